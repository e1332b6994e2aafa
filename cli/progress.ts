import type { CommandIO } from './io';

/** A bar on a terminal; nothing when stderr is a file or a pipe. */
export function progressBar(io: CommandIO, total: number): (done: number, newTotal?: number) => void {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  return (done, newTotal) => {
    if (newTotal !== undefined) total = newTotal;
    if (!tty || total === 0) return;
    const width = 30;
    const filled = Math.min(width, Math.round((done / total) * width));
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
}
