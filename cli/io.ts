import { createInterface } from 'node:readline';
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

/** Waits for the stream to take the text, so a caller that exits right after loses no output. */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** The input's lines as they arrive, numbered from 1 (a streaming reader: stdin may never end). */
export async function* lines(stream: Readable): AsyncGenerator<{ readonly number: number; readonly text: string }> {
  let number = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    number++;
    yield { number, text };
  }
}
