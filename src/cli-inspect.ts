/**
 * `cert-doctor inspect FILE… | -`: diagnose certificate files offline (issue 9 item 4). Same Diagnosis,
 * renderers and exit codes as `check`. A PKCS#12 password comes from `--password-file` or the
 * CERT_DOCTOR_PASSWORD environment variable, never from an argument (it would show in `ps` and history).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliIo } from './cli.js';
import type { InspectInput, InspectOptions } from './inspect/index.js';
import { MAX_INPUT_BYTES, readCappedFile } from './inspect/read-file.js';
import { InputError, quote } from './probe/errors.js';
import type { CertInfo, Purpose } from './probe/types.js';
import { renderJson } from './render/json.js';
import { renderText } from './render/text.js';
import type { Verdict } from './rules/types.js';

export const INSPECT_USAGE = `Usage: cert-doctor inspect FILE… | - [options]

Diagnose certificate files offline: PEM (any number of blocks), DER, PKCS#7 (.p7b/.p7c), PKCS#12 (.pfx/.p12).
The first certificate is the leaf unless the file order says otherwise.

Options:
  --host NAME            check the leaf against this name (without it, name checks are not applicable)
  --ca FILE              trust the CA certificates in this PEM bundle (repeatable)
  --no-default-ca        drop the Mozilla and system roots: only --ca anchors count
  --at ISO-8601          evaluate validity at this time (default: now)
  --purpose P            server (default), client or any
  --key FILE             report whether this private key belongs to the leaf (key_mismatch)
  --aia | --no-aia       fetch missing intermediates from the AIA URL (default: --aia)
  --write-fullchain OUT  write leaf + intermediates (no root) in order, only when the path verifies
  --password-file FILE   PKCS#12 password (or set CERT_DOCTOR_PASSWORD)
  --crl FILE             check revocation against this CRL, DER or PEM (repeatable; offline)
  --ocsp-response FILE   check revocation against this DER OCSP response (repeatable; offline)
  --json                 print the diagnosis as JSON
  -v, --verbose          also show SANs, serials, fingerprints and the checks that passed
`;

const OPTIONS = {
  host: { type: 'string' },
  ca: { type: 'string', multiple: true },
  'no-default-ca': { type: 'boolean' },
  at: { type: 'string' },
  purpose: { type: 'string' },
  key: { type: 'string' },
  aia: { type: 'boolean' },
  'no-aia': { type: 'boolean' },
  'write-fullchain': { type: 'string' },
  'password-file': { type: 'string' },
  password: { type: 'string' },
  crl: { type: 'string', multiple: true },
  'ocsp-response': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EXIT: Record<Verdict, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export async function runInspect(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout.write(INSPECT_USAGE);
    return 0;
  }
  if (values.password !== undefined)
    throw new InputError(
      '--password is not accepted (it would be visible to other users): use --password-file FILE or CERT_DOCTOR_PASSWORD',
    );
  if (positionals.length === 0)
    throw new InputError('inspect needs a FILE (or - for standard input), e.g. cert-doctor inspect fullchain.pem');
  const inputs: InspectInput[] = [];
  for (const name of positionals)
    inputs.push({ name, bytes: name === '-' ? await readStdin(io) : await readCappedFile(name) });
  const options: InspectOptions = {
    now: new Date(),
    at: values.at === undefined ? undefined : parseAt(values.at),
    host: values.host,
    extraCaPem: await Promise.all((values.ca ?? []).map(async (f) => (await readCappedFile(f)).toString('latin1'))),
    defaultCa: values['no-default-ca'] !== true,
    purpose: parsePurpose(values.purpose),
    key: values.key === undefined ? undefined : { name: values.key, bytes: await readCappedFile(values.key) },
    password: await password(values['password-file'], io.env),
    crls: await Promise.all((values.crl ?? []).map((f) => readCappedFile(f))),
    ocspResponses: await Promise.all((values['ocsp-response'] ?? []).map((f) => readCappedFile(f))),
  };
  const { inspect } = await import('./inspect/index.js');
  if (values['no-aia'] !== true) options.fetchAia = await aiaFetcher(io.env);
  const { diagnosis, chain } = await inspect(inputs, options);
  const out = values['write-fullchain'];
  if (out !== undefined) {
    if (!diagnosis.verification?.valid)
      throw new InputError(
        `not writing ${quote(out)}: the path does not verify (${diagnosis.verification?.codes.join(', ')})`,
      );
    await writeFile(out, fullchainPem(chain.built, chain.sources), { mode: 0o644 });
  }
  io.stdout.write(
    values.json ? renderJson(diagnosis) : renderText(diagnosis, { color: false, verbose: values.verbose === true }),
  );
  return EXIT[diagnosis.verdict] ?? 3;
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new InputError(
      `${(err instanceof Error ? err.message : String(err)).split('\n')[0]} (see cert-doctor inspect --help)`,
    );
  }
}

function parseAt(raw: string): Date {
  const t = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(t))
    throw new InputError(`--at must be an ISO-8601 time such as 2025-01-31T12:00:00Z, got ${quote(raw)}`);
  return new Date(t);
}

function parsePurpose(raw: string | undefined): Purpose {
  if (raw === undefined) return 'server';
  if (raw === 'server' || raw === 'client' || raw === 'any') return raw;
  throw new InputError(`--purpose must be server, client or any, got ${quote(raw)}`);
}

async function password(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (file !== undefined) return (await readCappedFile(file, 4096)).toString('utf8').replace(/\r?\n$/, '');
  return env.CERT_DOCTOR_PASSWORD ?? null;
}

async function readStdin(io: CliIo): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    n += b.length;
    if (n > MAX_INPUT_BYTES) throw new InputError(`standard input is over the ${MAX_INPUT_BYTES}-byte limit`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The same public-only address policy and caps as `check` (AIA URLs come from the files). */
async function aiaFetcher(env: NodeJS.ProcessEnv) {
  const { createAddressPolicy } = await import('./probe/address-policy.js');
  const { createAiaFetcher } = await import('./probe/aia.js');
  const allow = (env.CERT_DOCTOR_ALLOW ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return createAiaFetcher({ policy: createAddressPolicy(allow), timeoutMs: 5000 });
}

/** Leaf and intermediates in path order; anchors and self-signed roots are the clients' to have. */
export function fullchainPem(built: CertInfo[], sources: string[]): string {
  return built
    .filter((c, i) => sources[i] !== 'trust_store' && !(i > 0 && c.selfSigned === true))
    .map((c) => `-----BEGIN CERTIFICATE-----\n${c.der.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`)
    .join('')
    .replace(/\n\n/g, '\n');
}
