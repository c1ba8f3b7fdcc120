/**
 * A loopback TLS server whose chain can be fixed in place (same port, as an operator reloading nginx),
 * so a re-check of the same incident target sees the repair.
 */
import { makeChain } from './pki.js';
import { startTlsServer } from './servers.js';

export async function startRepairableServer() {
  const chain = await makeChain();
  const server = await startTlsServer({ certPem: chain.leaf.pem, keyPem: chain.leaf.keyPem });
  return {
    port: server.port,
    /** trust anchors for check(): the test root */
    extraCaPem: [chain.root.pem],
    /** serve the intermediate too, from the next handshake on */
    repair: () => server.server.setSecureContext({ cert: chain.fullchainPem, key: chain.leaf.keyPem }),
    /** back to the leaf alone (a bad deploy) */
    breakAgain: () => server.server.setSecureContext({ cert: chain.leaf.pem, key: chain.leaf.keyPem }),
    close: () => server.close(),
  };
}
