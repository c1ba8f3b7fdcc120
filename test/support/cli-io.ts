/** Runs the CLI's `main()` in-process with collecting streams, the way certigo tests call `Run(args, tty)`. */
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class Collector extends Writable {
  text = '';
  isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; tty?: boolean; stdout?: Writable } = {},
): Promise<CliRun> {
  const stdout = new Collector(opts.tty === true);
  const stderr = new Collector();
  const code = await main(args, {
    stdout: opts.stdout ?? stdout,
    stderr,
    stdin: Readable.from([]),
    env: opts.env ?? {},
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
