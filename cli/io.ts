import type { Readable, Writable } from 'node:stream';

/** What a command reads and writes; tests pass buffers, the CLI passes the process's streams. */
export interface CommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Concatenates the bytes before decoding so a UTF-8 character split across chunks survives. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    else throw new TypeError(`readAll: expected string or byte chunks, got ${typeof chunk}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
