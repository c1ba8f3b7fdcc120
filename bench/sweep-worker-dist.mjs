// The sweep bench's pool worker as the installed bot runs it: the compiled production worker
// (dist/check-worker.js, built by `npm run bench`), unchanged, plus the bench resolver (the same as sweep-worker.ts).
import { promises as dns } from 'node:dns';

const system = dns.lookup.bind(dns);
dns.lookup = async (host, opts) =>
  host.toLowerCase().endsWith('.bench.test') ? [{ address: '127.0.0.1', family: 4 }] : system(host, opts);

export { default } from '../dist/check-worker.js';
