import type { Readable } from 'node:stream';

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
  // Most input has no \r at all: splitting on one character is several times faster than on the pattern.
  const group = (text: string) =>
    (text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n')).map((line) => ({ number: ++number, text: line }));
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
