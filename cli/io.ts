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

/**
 * The input's lines, numbered from 1, in the groups they arrive in: all the complete lines of each
 * chunk the stream delivers (about 64 KB from a file or pipe; one line as a person types it). A
 * reader can then work a group at a time — fast on a file — and still answer each typed line at once.
 * Lines end as readline ends them: \n, \r\n or a lone \r.
 */
export async function* lineGroups(stream: Readable): AsyncGenerator<Array<{ readonly number: number; readonly text: string }>> {
  const decoder = new TextDecoder('utf-8');
  let number = 0;
  let partial = '';
  const group = (text: string) => text.split(/\r\n|\r|\n/).map((line) => ({ number: ++number, text: line }));
  for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
    const text = partial + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // A \r at the very end may be the first half of a \r\n: it waits for the next chunk.
    const complete = text.endsWith('\r') ? text.slice(0, -1) : text;
    const end = Math.max(complete.lastIndexOf('\n'), complete.lastIndexOf('\r'));
    if (end === -1) {
      partial = text;
      continue;
    }
    partial = text.slice(end + 1);
    yield group(complete.slice(0, end).replace(/\r$/, ''));
  }
  const rest = (partial + decoder.decode()).replace(/(\r\n|\r|\n)$/, '');
  if (rest !== '') yield group(rest);
}
