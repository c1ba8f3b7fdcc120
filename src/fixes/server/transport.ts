import { certName, hostPort, ps, sClient, sh, targetArg } from '../shell.js';
import type { ServerRecipe, ServerRecipes } from '../types.js';
import { reloadCommand } from './deploy.js';
import { enableStarttls } from './starttls.js';

/** Transport fixes: the bot never got as far as a certificate. */

const dnsNotFound: ServerRecipe<'dns_not_found'> = ({ t }) => ({
  generic: {
    title: `Publish a DNS record for ${t.host}`,
    steps: [
      'Check the name resolves (command below); NXDOMAIN means a typo or a missing record.',
      'Create the A/AAAA (or CNAME) record at your DNS provider. A name that only resolves inside your network (split-horizon DNS) cannot be checked from outside it.',
    ],
    command: sh`dig +short ${t.host} A; dig +short ${t.host} AAAA`,
  },
  kubernetes: {
    title: `Publish a DNS record for ${t.host}`,
    steps: [
      'external-dns creates records from Ingress hosts: read why it did not: `kubectl logs deploy/external-dns`.',
    ],
  },
});

const connectionRefused: ServerRecipe<'connection_refused'> = ({ t }) => {
  const port = t.port;
  const title = `Listen on port ${port}`;
  return {
    generic: {
      title,
      steps: [
        `Check something listens on ${port} on the server (command below); a firewall REJECT rule also looks like "refused".`,
        "Start the service if it is down (`systemctl status '<service>'`).",
      ],
      command: sh`ss -ltnp ${`sport = :${port}`}`,
    },
    nginx: {
      title,
      steps: [`Add \`listen ${port} ssl;\` to the \`server\` block and check nginx is running.`],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [
        `\`Listen ${port}\` in \`ports.conf\`, \`a2enmod ssl\`, and a \`<VirtualHost *:${port}>\` with \`SSLEngine on\`; restart Apache.`,
      ],
      command: 'apachectl configtest && systemctl restart apache2',
    },
    haproxy: {
      title,
      steps: [`Add \`bind :${port} ssl crt /etc/haproxy/certs/\` to the frontend.`],
      command: reloadCommand('haproxy', t),
    },
    iis: {
      title,
      steps: [
        `IIS Manager → the site → Bindings… → add https on port ${port} (or the PowerShell below), with a certificate.`,
      ],
      command: ps`New-WebBinding -Name '<site>' -Protocol https -Port ${port}`,
    },
    kubernetes: {
      title,
      steps: [`The ingress controller's Service must expose ${port} with an external IP that is not \`<pending>\`.`],
      command: 'kubectl -n ingress-nginx get svc -o wide',
    },
  };
};

const connectionTimeout: ServerRecipe<'connection_timeout'> = ({ t }) => {
  const title = `Let TCP ${t.port} through`;
  return {
    generic: {
      title,
      steps: [
        `Packets are dropped silently: a firewall, security group or a host that is down. Test from outside (command below) and trace where it stops: \`${sh`traceroute -T -p ${t.port} ${t.host}`}\`.`,
      ],
      command: sh`nc -vz -w 5 ${t.host} ${t.port}`,
    },
    awselb: {
      title,
      steps: [`The load balancer's security group must allow inbound TCP ${t.port}, and a listener must exist on it.`],
    },
    kubernetes: {
      title,
      steps: ['A `LoadBalancer` Service with a `<pending>` external IP, or a NodePort blocked by the cloud firewall.'],
    },
    cloudflare: {
      title,
      steps: [
        'Cloudflare proxies HTTPS only on ports 443, 2053, 2083, 2087, 2096 and 8443; use one of them or a DNS-only record.',
      ],
    },
  };
};

/** Accepted, then silent: the fix is on the listening side (PROXY protocol, wrong service, stuck terminator). */
const handshakeTimeout: ServerRecipe<'handshake_timeout'> = ({ t }) => {
  const title = `Answer TLS on port ${t.port} as soon as a client connects`;
  return {
    generic: {
      title,
      steps: [
        'Check what listens on the port and whether it expects TLS at all (`ss -ltnp`); a database or broker port is not an HTTPS port.',
        'If the listener expects a PROXY-protocol header, only the load balancer can talk to it: check through the load balancer, or test with a header (`curl --haproxy-protocol`).',
        'If it is a TLS terminator, check it is not saturated: a full accept queue shows as Recv-Q ≥ Send-Q in `ss -ltn`; raise worker/connection limits or add capacity.',
      ],
      command: `${sClient(t, '-brief')} # hangs after CONNECTED when the server stays silent`,
    },
    nginx: {
      title,
      steps: [
        `A \`listen ${t.port} ssl proxy_protocol;\` line makes nginx wait for a PROXY header: remove \`proxy_protocol\` unless every client is a load balancer that sends it.`,
        'Check `worker_connections` and `worker_processes` against the load (`nginx -T | grep -E "worker_(connections|processes)"`).',
      ],
      command: reloadCommand('nginx', t),
    },
    haproxy: {
      title,
      steps: [
        `\`bind :${t.port} accept-proxy\` waits for a PROXY header: remove \`accept-proxy\` unless the upstream load balancer sends one (\`send-proxy\`).`,
        'Check `maxconn` in the `global` and `frontend` sections: connections past it wait in the backlog unanswered.',
      ],
      command: reloadCommand('haproxy', t),
    },
    awselb: {
      title,
      steps: [
        'A target group with proxy protocol v2 enabled sends a header the target must expect; enable it on both sides or on neither.',
      ],
    },
  };
};

const notTls: ServerRecipe<'not_tls'> = (x) => {
  const { t } = x;
  const starttls = enableStarttls(x);
  if (starttls) return { generic: starttls };
  const title = `Speak TLS on port ${t.port}`;
  return {
    generic: {
      title,
      steps: [
        'Something answers but not with TLS; a plain HTTP server shows itself with the command below.',
        'STARTTLS services (SMTP 25/587, IMAP 143, POP3 110, FTP 21, XMPP 5222) start in clear text: check them as `smtp://host:587`, `imap://host:143`….',
      ],
      command: sh`curl -sv ${`http://${hostPort(t)}/`} -o /dev/null`,
    },
    nginx: {
      title,
      steps: [`\`listen ${t.port} ssl;\` — without \`ssl\` nginx speaks plain HTTP on the port.`],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [`\`SSLEngine on\` in the \`<VirtualHost *:${t.port}>\`.`],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: ['Add `ssl crt …` to the `bind` line; without it the frontend is plain TCP/HTTP.'],
      command: reloadCommand('haproxy', t),
    },
  };
};

const handshakeFailed: ServerRecipe<'handshake_failed'> = ({ p, t }) => {
  const title = 'Find why the server aborts the handshake';
  const error = p.str('error');
  return {
    generic: {
      title,
      steps: [
        `${error ? `The handshake ended with \`${error}\`. ` : ''}Read the server's TLS error log at the time of the check.`,
        `Try each version: the command below, then with \`-tls1_3\`; a server that needs a client certificate (mTLS) or an IPS resetting TLS also ends here.`,
        'Check the key matches the certificate: `openssl x509 -noout -pubkey -in cert.pem | sha256sum` must equal `openssl pkey -pubout -in key.pem | sha256sum`.',
      ],
      command: sClient(t, '-tls1_2 -brief'),
    },
    nginx: {
      title,
      steps: [
        '`tail -n 50 /var/log/nginx/error.log`; reset `ssl_ciphers` to a current list (Mozilla "intermediate") and `ssl_protocols TLSv1.2 TLSv1.3;`.',
      ],
      command: reloadCommand('nginx', t),
    },
    apache: {
      title,
      steps: [
        'Read the `ssl_error_log` / `error.log`; reset `SSLCipherSuite` and `SSLProtocol -all +TLSv1.2 +TLSv1.3`.',
      ],
      command: reloadCommand('apache', t),
    },
    haproxy: {
      title,
      steps: ['Reset `ssl-default-bind-ciphers` / `ssl-default-bind-ciphersuites` in `global` to a current list.'],
      command: reloadCommand('haproxy', t),
    },
    iis: {
      title,
      steps: [
        'System event log → Schannel events (36874, 36888) name the alert; fix the cipher suite order with IIS Crypto.',
      ],
    },
  };
};

const addressBlocked: ServerRecipe<'address_blocked'> = ({ p, t }) => {
  const addresses = p.str('addresses');
  // The range the policy named, e.g. "127.0.0.0/8 (loopback)": allow exactly that, not a guess.
  const range = /[0-9a-f:.]+\/\d{1,3}/i.exec(p.str('blockedBy') ?? '')?.[0] ?? '10.0.0.0/8';
  return {
    generic: {
      title: 'Allow the range in cert-doctor (bot operator)',
      steps: [
        `Not a server fault: ${certName(t)} resolves to ${addresses ?? 'a private, loopback or link-local address'}, which the bot refuses by default.`,
        `To check internal hosts, the bot operator allows the range: \`CERT_DOCTOR_ALLOW=${range}\` in the environment, or \`--allow ${range}\` on the command line (narrow it to the host's own address where you can).`,
      ],
      command: sh`cert-doctor check ${targetArg(t)} --allow ${range}`,
    },
  };
};

const deadlineExceeded: ServerRecipe<'check_deadline_exceeded'> = () => ({
  generic: {
    title: 'Find the step that stalls',
    steps: [
      'The check was stopped at its deadline; the finding names the steps that did not finish. A server that drips its handshake or sends a chain of many large same-name certificates is what stalls a check.',
      'Serve a short chain (leaf plus intermediates, no extra same-name CA certificates) and answer promptly; if the network path is simply slow, re-run with a longer deadline (`--timeout 30000`, or CERT_DOCTOR_TIMEOUT_MS for the bot).',
    ],
  },
});

export const transportRecipes = {
  dns_not_found: dnsNotFound,
  connection_refused: connectionRefused,
  connection_timeout: connectionTimeout,
  handshake_timeout: handshakeTimeout,
  not_tls: notTls,
  handshake_failed: handshakeFailed,
  address_blocked: addressBlocked,
  check_deadline_exceeded: deadlineExceeded,
} satisfies Partial<ServerRecipes>;
