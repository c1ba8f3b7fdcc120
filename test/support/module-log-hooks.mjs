// Module hooks (node --import ./module-log.mjs): append every resolved module URL to $MODULE_LOG, so a test can
// see which files a process loaded. Runs on Node's hooks thread; synchronous appends keep the order.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const out = await next(specifier, context);
  if (process.env.MODULE_LOG) appendFileSync(process.env.MODULE_LOG, `${out.url}\n`);
  return out;
}
