import { Readable, Writable } from 'node:stream';
import { progressBar } from '../../../cli/progress';

/** A stderr that says whether it is a terminal, and keeps what is written to it. */
function stderr(isTTY: boolean): { readonly stream: Writable; readonly written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, written };
}

const io = (err: Writable) => ({ stdin: Readable.from([]), stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: err });

describe('progressBar', () => {
  it('draws the share done over the same terminal line, and follows a new total', () => {
    // Arrange
    const err = stderr(true);
    const progress = progressBar(io(err.stream), 200);

    // Act
    progress(0);
    progress(100);
    progress(150, 150);

    // Assert
    expect(err.written).toEqual([
      `\r[${'.'.repeat(30)}] 0/200`,
      `\r[${'#'.repeat(15)}${'.'.repeat(15)}] 100/200`,
      `\r[${'#'.repeat(30)}] 150/150`,
    ]);
  });

  it('writes nothing when stderr is a file or a pipe, or there is nothing to do', () => {
    // Arrange
    const piped = stderr(false);
    const empty = stderr(true);

    // Act
    progressBar(io(piped.stream), 10)(5);
    progressBar(io(empty.stream), 0)(0);

    // Assert
    expect([piped.written, empty.written]).toEqual([[], []]);
  });
});
