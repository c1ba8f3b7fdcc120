import type { TargetProtocol } from '../../probe/types.js';
import { sClient } from '../shell.js';
import type { FixSpec, RecipeInput } from '../types.js';

/**
 * Enabling the in-band upgrade on the usual daemon for each STARTTLS protocol. A server only offers
 * STARTTLS once it has a certificate and key configured; each line names that directive.
 */
const ENABLE: Partial<Record<TargetProtocol, string[]>> = {
  smtp: [
    'Postfix (main.cf): `smtpd_tls_security_level = may` and `smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem`; then `postfix reload`.',
    'Exim: `tls_advertise_hosts = *`, `tls_certificate = /etc/exim4/fullchain.pem`, `tls_privatekey = /etc/exim4/key.pem`.',
  ],
  imap: [
    'Dovecot (conf.d/10-ssl.conf): `ssl = yes`, `ssl_cert = </etc/dovecot/fullchain.pem`, `ssl_key = </etc/dovecot/key.pem`; then `doveadm reload`.',
  ],
  ftp: [
    'vsftpd: `ssl_enable=YES`, `rsa_cert_file=/etc/ssl/fullchain.pem`, `rsa_private_key_file=/etc/ssl/key.pem`.',
    'ProFTPD (mod_tls): `TLSEngine on`, `TLSRSACertificateFile`, `TLSRSACertificateKeyFile`.',
  ],
  postgres: [
    "postgresql.conf: `ssl = on`, `ssl_cert_file = 'server.crt'` (leaf + intermediates), `ssl_key_file = 'server.key'`; then `SELECT pg_reload_conf();`.",
  ],
  mysql: [
    'my.cnf `[mysqld]`: `ssl_cert = /etc/mysql/fullchain.pem` (leaf + intermediates), `ssl_key = /etc/mysql/key.pem`; MySQL 8: `ALTER INSTANCE RELOAD TLS;` (MariaDB: restart).',
  ],
  xmpp: [
    'Prosody: put the certificate under /etc/prosody/certs/ (`prosodyctl --root cert import /etc/letsencrypt/live`) and keep `c2s_require_encryption = true`.',
    'ejabberd: `starttls: true` on the c2s listener and the chain in top-level `certfiles:`.',
  ],
  ldap: [
    'OpenLDAP: set `olcTLSCertificateFile`, `olcTLSCertificateKeyFile` and `olcTLSCACertificateFile` on `cn=config` with ldapmodify.',
    'Active Directory: install a certificate with the Server Authentication EKU in the NTDS (or computer) Personal store; the DC offers StartTLS once it has one.',
  ],
};
ENABLE.submission = ENABLE.smtp;
ENABLE.pop3 = ENABLE.imap;

/** The generic fix when a STARTTLS target did not upgrade, or null for implicit-TLS targets. */
export function enableStarttls({ t }: RecipeInput): FixSpec | null {
  const enable = ENABLE[t.protocol];
  if (!enable) return null;
  return {
    title: `Offer STARTTLS on ${t.protocol} port ${t.port}`,
    steps: [
      ...enable,
      `If the server is configured and a client on its own network sees the upgrade, a firewall in between strips it${t.protocol === 'smtp' || t.protocol === 'submission' ? ' (Cisco ASA: `no inspect esmtp`)' : ''}.`,
      'Confirm the upgrade works with the command below: it should print the certificate chain.',
    ],
    command: sClient(t),
  };
}
