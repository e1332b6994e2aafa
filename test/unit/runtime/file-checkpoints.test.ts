import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '../../../local/runtime/kinesis/file-checkpoints';

describe('FileCheckpointStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'checkpoints-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has nothing before the first write, even without a file', async () => {
    expect(await new FileCheckpointStore(join(dir, 'none', 'checkpoints.json')).get('arn:s', 'shardId-0')).toBeUndefined();
  });

  it('keeps one JSON object keyed by source ARN and shard, shared by every store on the file', async () => {
    const path = join(dir, 'state', 'checkpoints.json');
    const a = new FileCheckpointStore(path);
    const b = new FileCheckpointStore(path);
    await Promise.all([
      a.set('arn:s1', 'shardId-0', '5'),
      b.set('arn:s2', 'shardId-0', '7'),
      a.set('arn:s1', 'shardId-1', '9'),
      a.set('arn:s1', 'shardId-0', '6'),
    ]);

    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ 'arn:s1|shardId-0': '6', 'arn:s2|shardId-0': '7', 'arn:s1|shardId-1': '9' });
    expect(await new FileCheckpointStore(path).get('arn:s2', 'shardId-0')).toBe('7');
    expect(await readdir(join(dir, 'state'))).toEqual(['checkpoints.json']);
  });
});
