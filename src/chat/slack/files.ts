/**
 * Files shared with an app mention (event.files, `files:read`): downloaded only when a handler asks, with
 * the bot token (Slack's url_private_download needs it), under a size cap enforced while reading.
 * Only http(s) URLs as Slack sent them are fetched; redirects are not followed (a login page is not a file).
 */
import type { SharedFile } from '../port.js';

interface EventFile {
  name?: unknown;
  size?: unknown;
  url_private_download?: unknown;
  url_private?: unknown;
}

export function sharedFiles(files: unknown, token: string | undefined): SharedFile[] {
  if (!Array.isArray(files)) return [];
  return files.flatMap((f: EventFile) => {
    const url = typeof f.url_private_download === 'string' ? f.url_private_download : f.url_private;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return [];
    const name = typeof f.name === 'string' ? f.name.slice(0, 200) : 'file';
    const size = typeof f.size === 'number' && f.size >= 0 ? f.size : 0;
    return [{ name, size, download: (maxBytes: number) => download(url, token, maxBytes) }];
  });
}

async function download(url: string, token: string | undefined, maxBytes: number): Promise<Uint8Array> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200 || !res.body) throw new Error(`Slack answered HTTP ${res.status}`);
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > maxBytes) throw new Error(`the file is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
