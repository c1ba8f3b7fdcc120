// Preloaded into the real bot by the sweep bench (`node --import bench/sweep-resolver.mjs bin/cert-doctor.mjs
// start`): `*.bench.test` resolves to 127.0.0.1 on the promises API of node:dns, which the probe's resolver
// calls at lookup time; any other name goes to the system resolver. The check pool's workers inherit the
// bot's execArgv (src/pool/index.ts workerFile), so they load it too. Plain JavaScript: the bot runs compiled,
// without tsx.
import { promises as dns } from 'node:dns';

const system = dns.lookup.bind(dns);
dns.lookup = async (host, opts) =>
  String(host).toLowerCase().endsWith('.bench.test') ? [{ address: '127.0.0.1', family: 4 }] : system(host, opts);
