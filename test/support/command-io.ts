import { Readable, Writable } from 'node:stream';
import type { CommandIO } from '../../cli/io';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collector(): { readonly stream: Writable; readonly text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs a CLI command with the chunks on stdin and collects what it writes, as the terminal would see it. */
export async function runCommand(
  command: (argv: string[], io: CommandIO) => Promise<number>,
  argv: string[],
  stdinChunks: ReadonlyArray<string | Buffer>,
): Promise<CommandResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await command(argv, { stdin: Readable.from(stdinChunks), stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
