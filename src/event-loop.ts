/**
 * Resolves once the event loop has been through a poll phase since the call: two setImmediate hops (an
 * immediate queued from the check phase runs in the next iteration, after that iteration's poll).
 *
 * Why (issue 12): work started from a promise continuation runs before process.nextTick callbacks, and
 * net.connect() issues its SYN from a nextTick; an immediate queued from a poll callback runs before the
 * next poll, where a loopback connect completes and the queued ClientHello is written. Work that only has
 * to be ready when the server answers (compiling the rules and renderers, indexing the trust anchors) waits
 * for this, so it runs while the handshake is on the wire instead of ahead of it.
 */
export function afterPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
