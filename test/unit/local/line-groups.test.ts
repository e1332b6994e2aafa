import { Readable } from 'node:stream';
import { lineGroups } from '../../../local/line-groups';

async function linesOf(chunks: ReadonlyArray<string | Buffer>): Promise<string[][]> {
  const groups: string[][] = [];
  for await (const group of lineGroups(Readable.from(chunks))) groups.push(group.map((l) => `${l.number}:${l.text}`));
  return groups;
}

describe('the input read a chunk of lines at a time', () => {
  it('gives the complete lines of each chunk, numbered, and keeps a line cut by a chunk for the next', async () => {
    await expect(linesOf(['a\nb\nc', 'c\nd'])).resolves.toEqual([['1:a', '2:b'], ['3:cc'], ['4:d']]);
  });

  it('ends lines at \\n, \\r\\n or a lone \\r, even when a \\r\\n is cut between two chunks', async () => {
    await expect(linesOf(['a\r', '\nb\rc\r\n'])).resolves.toEqual([['1:a', '2:b', '3:c']]);
    await expect(linesOf(['a\rb\r'])).resolves.toEqual([['1:a'], ['2:b']]);
  });

  it('keeps a UTF-8 character whose bytes two chunks split', async () => {
    const bytes = Buffer.from('é\n', 'utf8');
    await expect(linesOf([bytes.subarray(0, 1), bytes.subarray(1)])).resolves.toEqual([['1:é']]);
  });

  it('gives nothing for empty input, and blank lines as blank', async () => {
    await expect(linesOf([])).resolves.toEqual([]);
    await expect(linesOf(['\n\nx\n'])).resolves.toEqual([['1:', '2:', '3:x']]);
  });
});
