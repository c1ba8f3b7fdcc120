/**
 * The sweep bench's pool worker from source (sweep-worker-dist.mjs is the compiled one): the production
 * worker, unchanged, plus the bench's injected resolver (sweep-resolver.mjs: `*.bench.test` on loopback) set
 * on the promises API of node:dns, which the probe's resolver calls at lookup time. A custom `lookup` option
 * cannot cross into a worker thread, so this is how the real pool sees many names on a few servers.
 */
import './sweep-resolver.mjs';

export { default } from '../src/pool/check-worker.js';
