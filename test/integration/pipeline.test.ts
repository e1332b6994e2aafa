import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { produceCommand } from '../../cli/commands/produce';
import { statusCommand } from '../../cli/commands/status';
import type { ConsumerPosition } from '../../local/status/consumer-positions';
import { decisionKey } from '../../shared/adapters/dynamodb-items';
import type { LocalDeployResult } from '../../local/deploy';
import { startLocalRuntime } from '../../local/runtime/runtime';
import { runCommand } from '../support/command-io';
import { drainQueue, dynamodb, scanAll } from '../support/resources';
import { createSubscriberQueue, deploySubscribedStack, receivedNotifications, removeStackFiles } from '../support/subscribed-stack';

/**
 * The whole pipeline on one machine: `cdk deploy` into the suite's moto, events put into Kinesis,
 * the deployed bundles run by the local runtime from their event source mappings, alerts delivered
 * through SNS to an SQS subscriber. Then a restart that resumes from the checkpoints.
 */
const STACK = `RiskstreamPipeline${Date.now().toString(36)}`;
const NAME = `rp${Date.now().toString(36)}`;
// The seed's events, dated a minute ago: the scorers refuse events older than the streams' retention
// (plus the lateness) before their arrival, and the seed's own date (2026-04-25) is months back.
const AT = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
const SEED_TXN = { transactionId: 'txn-123', userId: 'user-456', amount: 2500, country: 'DE', timestamp: AT };
const SEED_READING = { deviceId: 'sensor-17', temperature: 82.4, timestamp: AT };

describe('the pipeline on moto, end to end', () => {
  let deployed: LocalDeployResult;
  let subscriberUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-pipeline-'));

  const produce = async (lines: readonly unknown[]) => {
    const file = join(dir, `events-${Date.now()}.jsonl`);
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    const result = await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], []);
    expect(result.code).toBe(0);
  };

  beforeAll(async () => {
    const subscriber = await createSubscriberQueue(`${NAME}-subscriber`);
    subscriberUrl = subscriber.url;
    deployed = await deploySubscribedStack({
      stackName: STACK,
      outdir: mkdtempSync(join(tmpdir(), 'riskstream-pipeline-cdk-')),
      config: { name: NAME },
      subscribers: [{ queueArn: subscriber.arn, minSeverity: 'info' }],
    });
  }, 300_000);

  afterAll(() => removeStackFiles(STACK));

  it('scores, stores, quarantines and alerts through SNS, each alert once', async () => {
    await produce([
      SEED_TXN,
      SEED_READING,
      { ...SEED_TXN, transactionId: 'txn-124', amount: 12.5, merchantCategory: 'grocery' },
      '{"transactionId": "txn-poison", "userId": ',
      SEED_TXN, // the producer's retry: the same event again
    ]);

    const runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    const statuses = await runtime.runUntilIdle(2000);

    expect(statuses.map((s) => s.functionName).sort()).toEqual([
      `${NAME}-join-orders`,
      `${NAME}-publish-alerts`,
      `${NAME}-score-readings`,
      `${NAME}-score-transactions`,
    ]);
    const decisionOf = async (id: string) =>
      unmarshall(
        (
          await dynamodb.send(
            new GetItemCommand({
              TableName: deployed.outputs['StateTableName'],
              Key: decisionKey(SEED_TXN.userId, id),
              ConsistentRead: true,
            }),
          )
        ).Item ?? {},
      );
    expect(await decisionOf('txn-123')).toMatchObject({ action: 'manual_review_required', riskScore: 0.6 });
    expect(await decisionOf('txn-124')).toMatchObject({ action: 'approve', riskScore: 0, reasons: [] });
    const quarantined = await drainQueue(deployed.outputs['QuarantineQueueUrl'] ?? '');
    expect(quarantined).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^not JSON/), source: `${NAME}-score-transactions` }),
    ]);
    const delivered = (await receivedNotifications(subscriberUrl)).map(({ message, attributes }) => ({ alert: message, attributes }));
    const alerts = delivered.filter((d) => d.attributes['notification']?.Value === 'alert');
    const incidents = delivered.filter((d) => d.attributes['notification']?.Value === 'incident');
    expect(alerts.map((a) => a.alert['eventIds']).sort()).toEqual([[`sensor-17@${AT}`], ['txn-123']]);
    // The user's and the device's incidents open with them (this subscriber takes both kinds of message).
    expect(incidents.map((i) => (i.alert['incident'] as { transition: string }).transition)).toEqual(['opened', 'opened']);
    expect(delivered).toHaveLength(4);
    for (const { alert, attributes } of delivered) {
      expect(attributes['severity']?.Value).toBe(alert['severity']);
      expect(attributes['kind']?.Value).toBe(alert['kind']);
      expect(attributes['entity']?.Value).toBe(`${(alert['entity'] as { type: string }).type}:${(alert['entity'] as { id: string }).id}`);
    }
  });

  it('resumes from its checkpoints after a restart and counts nothing twice', async () => {
    await produce([{ ...SEED_TXN, transactionId: 'txn-125', amount: 30 }, SEED_TXN]);

    const runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    const statuses = await runtime.runUntilIdle(2000);

    const scorer = statuses.find((s) => s.functionName === `${NAME}-score-transactions`);
    expect(Object.values(scorer?.stats.resumedFrom ?? {}).some((from) => from !== null)).toBe(true);
    expect(scorer?.stats.recordsRead).toBe(2); // only what came after the checkpoint
    const user = (await scanAll(deployed.outputs['StateTableName'] ?? '')).find((i) => i['pk'] === 'user#user-456');
    const panes = Object.values(user?.['panes'] as Record<string, { count: number; sum: number }>);
    expect(panes).toEqual([expect.objectContaining({ count: 3, sum: 2500 + 12.5 + 30 })]);
    expect(await drainQueue(subscriberUrl)).toEqual([]); // no alert again
  });

  it('scores each payment of KPL-aggregated records once, the aggregates put twice', async () => {
    // Arrange: three payments of two users (new ones: the earlier tests' users have counts of their own)
    const payments = [
      { ...SEED_TXN, transactionId: 'kpl-1', userId: 'kpl-user-1', amount: 11 },
      { ...SEED_TXN, transactionId: 'kpl-2', userId: 'kpl-user-2', amount: 22 },
      { ...SEED_TXN, transactionId: 'kpl-3', userId: 'kpl-user-1', amount: 33 },
    ];
    const file = join(dir, 'kpl.jsonl');
    writeFileSync(file, payments.map((p) => JSON.stringify(p)).join('\n'));

    // Act: put as the KPL puts them, twice (a producer's retry), then run the pipeline
    for (let put = 0; put < 2; put++) {
      const result = await runCommand(produceCommand, ['--file', file, '--aggregate', '--stack', STACK], []);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/: 3 events in KPL aggregates/);
    }
    const runtime = await startLocalRuntime({ stackName: STACK, log: () => undefined });
    await runtime.runUntilIdle(2000);

    // Assert: every payment decided, each user's window counting its own once
    const items = await scanAll(deployed.outputs['StateTableName'] ?? '');
    const decided = items.filter((i) => typeof i['transactionId'] === 'string' && String(i['transactionId']).startsWith('kpl-'));
    expect(decided.map((i) => i['transactionId']).sort()).toEqual(['kpl-1', 'kpl-2', 'kpl-3']);
    const countOf = (userId: string) =>
      Object.values((items.find((i) => i['pk'] === `user#${userId}`)?.['panes'] ?? {}) as Record<string, { count: number }>).reduce(
        (n, pane) => n + pane.count,
        0,
      );
    expect([countOf('kpl-user-1'), countOf('kpl-user-2')]).toEqual([2, 1]);
  });

  it('says where every consumer stands: caught up after a run, behind by what was put since', async () => {
    // Arrange: the runs above left every consumer at the end of its shards
    const status = async () => {
      const result = await runCommand(statusCommand, ['--stack', STACK], []);
      return {
        code: result.code,
        positions: result.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as ConsumerPosition),
      };
    };
    const before = await status();

    // Act: two payments put, and no consumer running
    await produce([
      { ...SEED_TXN, transactionId: 'txn-status-1', amount: 5 },
      { ...SEED_TXN, transactionId: 'txn-status-2', amount: 6 },
    ]);
    const after = await status();

    // Assert: every function and shard, caught up, with its checkpoint where it read records (nothing
    // was put on the orders stream: join-orders has read nothing, and is caught up all the same); only
    // the transactions' scorer is behind, by the two
    expect(before.code).toBe(0);
    expect(new Set(before.positions.map((p) => p.consumer))).toEqual(
      new Set([`${NAME}-score-transactions`, `${NAME}-score-readings`, `${NAME}-join-orders`, `${NAME}-publish-alerts`]),
    );
    expect(before.positions.every((p) => p.status === 'caught_up' && p.behindRecords === 0)).toBe(true);
    const readSomething = (p: { consumer: string }) => p.consumer !== `${NAME}-join-orders`;
    expect(before.positions.filter(readSomething).every((p) => p.checkpoint !== null)).toBe(true);
    expect(before.positions.filter((p) => !readSomething(p)).map((p) => p.checkpoint)).toEqual([null]);
    const scorer = after.positions.filter((p) => p.consumer === `${NAME}-score-transactions`);
    expect(scorer.reduce((n, p) => n + (p.behindRecords ?? 0), 0)).toBe(2);
    expect(scorer.find((p) => (p.behindRecords ?? 0) > 0)).toMatchObject({ status: 'behind', behindMs: expect.any(Number) });
    expect(after.positions.filter((p) => p.consumer !== `${NAME}-score-transactions`).every((p) => p.status === 'caught_up')).toBe(true);
    expect(after.code).toBe(0);
  });
});
