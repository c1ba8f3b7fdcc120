/**
 * How many certificates the per-certificate memos keep, per thread (certinfo.ts parseCert, der-names.ts,
 * name-normalize.ts, name-constraints.ts, chain-checks.ts, key-sanity.ts, chain-build.ts signature verdicts).
 * They pay off for what recurs: the few intermediates and roots behind many leaves, and the same chain walked
 * several times within one check. A sweep's leaves recur once per sweep, so a memo sized for thousands
 * only holds leaves that will not be asked for again: with 4096 (2048 parsed) each sweep thread's live heap
 * grew by ~12 MiB over 3,000 distinct leaves, and the bot's peak RSS over a 10,000-endpoint sweep with a leaf
 * per name went from 241–246 to 293 MiB (bench/sweep.ts --bot, issue 8 round 4). With these bounds it grows
 * ~4 MiB and levels off; an evicted intermediate is parsed again (well under a millisecond) every few hundred
 * checks.
 */
export const CERT_MEMO_MAX = 512;
/** Parsed certificates hold more (the plain data and Node's X509Certificate, outside the heap). */
export const PARSED_CERT_MEMO_MAX = 256;
