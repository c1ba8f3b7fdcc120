import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./module-log-hooks.mjs', import.meta.url);

// The hooks see ES modules only; dist/cli-bundle.cjs loads packages with require(). Every CommonJS module the
// process loaded is in require.cache at exit: logged as file URLs too.
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  if (!process.env.MODULE_LOG) return;
  const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
  if (urls.length > 0) appendFileSync(process.env.MODULE_LOG, `${urls.join('\n')}\n`);
});
