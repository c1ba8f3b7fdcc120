/**
 * Which certificate of a file is the leaf. The first one is, unless the file order says otherwise: when it
 * is a CA and exactly one certificate in the file is not (and is issued by a name in the file), that one
 * is the leaf, moved to the front, and the bundle is reported as out of order (chain_order).
 */
import { isMalformed } from '../probe/certinfo.js';
import type { CertInfo, SentCert } from '../probe/types.js';

export function leafFirst(certs: SentCert[]): { sent: SentCert[]; moved: boolean } {
  const first = certs[0];
  if (!first || isMalformed(first) || first.basicConstraints?.ca !== true) return { sent: certs, moved: false };
  const subjects = new Set(certs.filter((c): c is CertInfo => !isMalformed(c)).map((c) => c.subject));
  const endEntities = certs
    .map((c, i) => ({ c, i }))
    .filter(
      (x): x is { c: CertInfo; i: number } =>
        !isMalformed(x.c) && x.c.basicConstraints?.ca !== true && subjects.has(x.c.issuer),
    );
  if (endEntities.length !== 1) return { sent: certs, moved: false };
  const { i } = endEntities[0]!;
  return { sent: [certs[i]!, ...certs.filter((_, j) => j !== i)], moved: true };
}
