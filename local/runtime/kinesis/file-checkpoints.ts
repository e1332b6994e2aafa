import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointStore } from '../types';

/**
 * Checkpoints in one JSON file, `{ "<sourceArn>|<shardId>": "<sequenceNumber>" }`. Each write goes to
 * a temporary file renamed over the old one, so a crash leaves the old or the new file, never half of
 * one. Writes to a path are serialized within the process and re-read the file first, so several
 * stores (one per mapping) may share it.
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly path: string) {}

  async get(sourceArn: string, shardId: string): Promise<string | undefined> {
    return (await readCheckpoints(this.path))[key(sourceArn, shardId)];
  }

  set(sourceArn: string, shardId: string, sequenceNumber: string): Promise<void> {
    return serialized(this.path, async () => {
      const checkpoints = await readCheckpoints(this.path);
      checkpoints[key(sourceArn, shardId)] = sequenceNumber;
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${randomUUID()}.tmp`;
      await writeFile(temporary, `${JSON.stringify(checkpoints, null, 2)}\n`);
      await rename(temporary, this.path);
    });
  }
}

function key(sourceArn: string, shardId: string): string {
  return `${sourceArn}|${shardId}`;
}

async function readCheckpoints(path: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

const queues = new Map<string, Promise<void>>();

function serialized(path: string, write: () => Promise<void>): Promise<void> {
  const next = (queues.get(path) ?? Promise.resolve()).then(write);
  const settled = next.catch(() => undefined);
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return next;
}
