/**
 * The sweep bench's pool worker from source (sweep-worker-dist.mjs is the compiled one): the production
 * worker, unchanged, plus the bench's injected resolver — `*.bench.test` is 127.0.0.1 — set on the
 * promises API of node:dns, which the probe's resolver calls at lookup time. A custom `lookup` option
 * cannot cross into a worker thread, so this is how the real pool sees many names on a few servers.
 */
import { promises as dns } from 'node:dns';

const system = dns.lookup.bind(dns);
dns.lookup = (async (host: string, opts: unknown) =>
  host.toLowerCase().endsWith('.bench.test')
    ? [{ address: '127.0.0.1', family: 4 }]
    : system(host, opts as never)) as typeof dns.lookup;

export { default } from '../src/pool/check-worker.js';
