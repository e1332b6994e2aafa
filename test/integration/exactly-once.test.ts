import type { KinesisStreamRecord } from 'aws-lambda';
import { DEFAULT_RULES } from '../../shared/domain/rules-config';
import { CommitMode } from '../../shared/state/store';
import { injectDynamoDBFault, isStateCommit, throttlingError } from '../support/fault-injection';
import type { GeneratedTransaction, ReferenceWindow } from '../support/generate';
import { referenceWindows, transactions } from '../support/generate';
import { retryFrom, scoringFunction } from '../support/harness';
import { ShardLog } from '../support/kinesis-events';
import type { TestResources } from '../support/resources';
import { createResources, scanAll } from '../support/resources';

/**
 * The exactly-once contract, run against moto for both commit modes: whatever the retries, splits
 * and producer duplicates, every distinct event changes its window once, every decision and alert
 * is stored once. The reference is computed from the ledger of distinct events, not by the code under test.
 */
const PANE = DEFAULT_RULES.transactions.pane;
const BATCH = 50;

function batches<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function storedWindows(table: string): Promise<Map<string, ReferenceWindow>> {
  const windows = new Map<string, ReferenceWindow>();
  for (const item of await scanAll(table)) {
    if (item['entityType'] !== 'user') continue;
    const panes = item['panes'] as Record<string, { count: number; sum: number; min: number; max: number }>;
    for (const [start, pane] of Object.entries(panes)) {
      windows.set(`${String(item['entityId'])}@${start}`, { count: pane.count, sum: round(pane.sum), min: pane.min, max: pane.max });
    }
  }
  return windows;
}

function expectedWindows(distinct: readonly GeneratedTransaction[]): Map<string, ReferenceWindow> {
  const reference = referenceWindows(
    distinct.map((t) => ({ entity: t.userId, time: Date.parse(t.timestamp), value: t.amount })),
    PANE,
  );
  return new Map([...reference].map(([k, w]) => [k, { ...w, sum: round(w.sum) }]));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function storedCounts(resources: TestResources): Promise<{ decisions: string[]; alerts: string[] }> {
  const state = await scanAll(resources.stateTable);
  const alerts = await scanAll(resources.alertsTable);
  return {
    decisions: state.filter((i) => i['itemType'] === 'decision').map((i) => String(i['transactionId'])),
    alerts: alerts.map((a) => String(a['alertId'])),
  };
}

describe.each([CommitMode.conditional, CommitMode.singleWriter])('exactly once with %s commits', (commitMode) => {
  // 300 distinct transactions over 12 minutes from 25 users, 5 % put twice by the producer.
  const { distinct, stream } = transactions({ count: 300, users: 25, spanMs: 12 * 60_000, duplicateRate: 0.05, seed: 7 });
  const expected = expectedWindows(distinct);
  let records: KinesisStreamRecord[];

  beforeAll(() => {
    const log = new ShardLog();
    records = log.put(...stream.map((data) => ({ data, partitionKey: data.userId })));
    expect(stream.length).toBeGreaterThan(distinct.length);
  });

  it('counts every distinct event once despite producer duplicates, and stores each decision once', async () => {
    const resources = await createResources(`once-${commitMode}`);
    const fn = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: commitMode });

    for (const batch of batches(records, BATCH)) expect((await fn.invoke(batch)).batchItemFailures).toEqual([]);

    expect(await storedWindows(resources.stateTable)).toEqual(expected);
    const { decisions, alerts } = await storedCounts(resources);
    expect(decisions.sort()).toEqual(distinct.map((t) => t.transactionId).sort());
    expect(new Set(alerts).size).toBe(alerts.length);
    expect(alerts.length).toBeGreaterThan(0);
    // Grouped per batch: far below the one-request-per-record baseline.
    const perThousand = (fn.deps.counter.snapshot().requests / stream.length) * 1000;
    process.stdout.write(`[${commitMode}] DynamoDB requests per 1000 events: ${perThousand.toFixed(0)}\n`);
    expect(perThousand).toBeLessThan(commitMode === CommitMode.singleWriter ? 250 : 900);
  });

  it('leaves the same state when every batch is delivered twice', async () => {
    const resources = await createResources(`replay-${commitMode}`);
    const fn = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: commitMode });
    for (const batch of batches(records, BATCH)) await fn.invoke(batch);
    const once = { windows: await storedWindows(resources.stateTable), ...(await storedCounts(resources)) };

    for (const batch of batches(records, BATCH)) expect((await fn.invoke(batch)).batchItemFailures).toEqual([]);
    const replay = await fn.invoke(records); // and the whole stream again, from the trim horizon

    expect(replay.batchItemFailures).toEqual([]);
    expect(await storedWindows(resources.stateTable)).toEqual(once.windows);
    expect(await storedWindows(resources.stateTable)).toEqual(expected);
    const after = await storedCounts(resources);
    expect(after.decisions.sort()).toEqual(once.decisions.sort());
    expect(after.alerts.sort()).toEqual(once.alerts.sort());
  });

  it('gives the same result when a batch is split in two (bisect) and retried from the reported record', async () => {
    const resources = await createResources(`split-${commitMode}`);
    const fn = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: commitMode });

    for (const batch of batches(records, BATCH * 2)) {
      const half = Math.floor(batch.length / 2);
      await fn.invoke(batch.slice(0, half)); // the first half of a bisected batch
      await fn.invoke(batch); // then the batch again, whole
    }

    expect(await storedWindows(resources.stateTable)).toEqual(expected);
    expect((await storedCounts(resources)).decisions.length).toBe(distinct.length);
  });

  it('recovers from a failure between the decisions and the state commit without counting twice', async () => {
    const resources = await createResources(`crash-${commitMode}`);
    const fn = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: commitMode });
    const first = batches(records, BATCH)[0] ?? [];
    // Decisions and alerts are written, then the state commit is throttled: the process "dies" there.
    const fault = injectDynamoDBFault(fn.deps.dynamodb, { when: isStateCommit, error: throttlingError, times: 1 });

    const failedRun = await fn.invoke(first);
    fault.remove();
    const retried = retryFrom(first, failedRun);
    const retry = await fn.invoke(retried);

    expect(fault.hits()).toBe(1);
    expect(failedRun.batchItemFailures.length).toBeGreaterThan(0);
    expect(retry.batchItemFailures).toEqual([]);
    for (const batch of batches(records, BATCH).slice(1)) await fn.invoke(batch);
    expect(await storedWindows(resources.stateTable)).toEqual(expected);
    const { alerts } = await storedCounts(resources);
    expect(new Set(alerts).size).toBe(alerts.length);
  });
});

describe('concurrent writers (conditional commits)', () => {
  it('two functions scoring overlapping batches of the same users at once still count each event once', async () => {
    const { distinct, stream } = transactions({ count: 200, users: 5, spanMs: 10 * 60_000, duplicateRate: 0, seed: 11 });
    const resources = await createResources('race');
    const a = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: CommitMode.conditional });
    const b = scoringFunction('score-transactions', { ...resources.env, COMMIT_MODE: CommitMode.conditional });
    let conflicts = 0;
    for (const fn of [a, b]) {
      const addMetric = fn.deps.metrics.addMetric.bind(fn.deps.metrics);
      jest.spyOn(fn.deps.metrics, 'addMetric').mockImplementation((name, unit, value) => {
        if (name === 'StateConflicts') conflicts += value;
        return addMetric(name, unit, value);
      });
    }
    // A producer that did not partition by user: the same users land on two shards.
    const shardA = new ShardLog('shardId-000000000000');
    const shardB = new ShardLog('shardId-000000000001');
    const recordsA = shardA.put(...stream.filter((_, i) => i % 2 === 0).map((data) => ({ data, partitionKey: data.transactionId })));
    const recordsB = shardB.put(...stream.filter((_, i) => i % 2 === 1).map((data) => ({ data, partitionKey: data.transactionId })));

    const results = await Promise.all([
      (async () => {
        for (const batch of batches(recordsA, 20)) expect((await a.invoke(batch)).batchItemFailures).toEqual([]);
      })(),
      (async () => {
        for (const batch of batches(recordsB, 20)) expect((await b.invoke(batch)).batchItemFailures).toEqual([]);
      })(),
    ]);

    expect(results).toHaveLength(2);
    expect(conflicts).toBeGreaterThan(0); // the race really happened, and was resolved
    expect(await storedWindows(resources.stateTable)).toEqual(expectedWindows(distinct));
  });
});
