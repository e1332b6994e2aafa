import { positionsTable, statusCommand } from '../../../cli/commands/status';
import { statusOf } from '../../../local/status/consumer-positions';
import { iteratorAgeStatus } from '../../../local/status/cloudwatch-positions';
import { runCommand } from '../../support/command-io';

describe('riskstream status', () => {
  it('calls a consumer caught up with nothing waiting, behind while the oldest record waits less than the alarm, stalled from then', () => {
    const alarm = 5 * 60_000;
    expect(statusOf(0, 0, alarm)).toBe('caught_up');
    expect(statusOf(3, alarm - 1, alarm)).toBe('behind');
    expect(statusOf(3, alarm, alarm)).toBe('stalled');
  });

  it('on AWS, calls a consumer by its IteratorAge: caught up under a minute, behind from then, stalled at its alarm', () => {
    const alarm = 5 * 60_000;
    expect(iteratorAgeStatus(0, alarm)).toBe('caught_up');
    expect(iteratorAgeStatus(60_000, alarm)).toBe('caught_up');
    expect(iteratorAgeStatus(60_001, alarm)).toBe('behind');
    expect(iteratorAgeStatus(alarm, alarm)).toBe('stalled');
  });

  it('prints a table with a row per function and shard, a shard without a checkpoint said so', () => {
    const table = positionsTable([
      {
        consumer: 'rs-score-transactions',
        stream: 'rs-transactions',
        shard: 'shardId-000000000000',
        checkpoint: '4965',
        behindRecords: 0,
        behindMs: 0,
        status: 'caught_up',
      },
      {
        consumer: 'rs-score-readings',
        stream: 'rs-readings',
        shard: 'shardId-000000000000',
        checkpoint: null,
        behindRecords: 12,
        behindMs: 2_500,
        status: 'behind',
      },
    ]);
    expect(table.split('\n')).toEqual([
      'consumer               stream           shard                 checkpoint  behind records  behind  status',
      'rs-score-transactions  rs-transactions  shardId-000000000000  4965        0               0.0 s   caught_up',
      'rs-score-readings      rs-readings      shardId-000000000000  (none)      12              2.5 s   behind',
      '',
    ]);
  });

  it('refuses an unknown argument with its usage, and names a stack not deployed from here', async () => {
    const wrong = await runCommand(statusCommand, ['now'], []);
    const missing = await runCommand(statusCommand, ['--stack', 'NeverDeployedHere'], []);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringContaining('unexpected argument "now"')]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('the stack NeverDeployedHere is not deployed from here')]);
  });
});
