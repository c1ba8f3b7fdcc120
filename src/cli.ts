/** Placeholder until the CLI lands: prints usage. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export async function main(_args: string[], io: CliIo): Promise<number> {
  io.stdout.write('usage: cert-doctor check TARGET [--json] [--ca FILE]… [--allow CIDR]… [--timeout MS]\n');
  return 3;
}
