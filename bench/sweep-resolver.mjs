// Preloaded into the real bot by the sweep bench (`node --import bench/sweep-resolver.mjs bin/cert-doctor.mjs
// start`), and imported by the bench's pool workers (sweep-worker.ts, sweep-worker-dist.mjs): `*.bench.test`
// resolves to loopback on the promises API of node:dns, which the probe's resolver calls at lookup time; any
// other name goes to the system resolver. The check pool's workers inherit the bot's execArgv (src/pool/index.ts
// workerFile), so they load it too. Plain JavaScript: the bot runs compiled, without tsx.
import { promises as dns } from 'node:dns';

const system = dns.lookup.bind(dns);
dns.lookup = async (host, opts) => {
  const name = String(host).toLowerCase();
  if (!name.endsWith('.bench.test')) return system(host, opts);
  // `nI.aK.bench.test` is at 127.0.1.K (bench/sweep-fixture.ts benchName); any other bench name at 127.0.0.1
  const k = /\.a(\d{1,3})\.bench\.test$/.exec(name)?.[1];
  return [{ address: k ? `127.0.1.${k}` : '127.0.0.1', family: 4 }];
};
