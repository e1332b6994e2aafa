import type { FaultProxy, FaultProxyOptions } from '../../local/faults/fault-proxy';
import { startFaultProxy } from '../../local/faults/fault-proxy';
import { DEFAULT_RULES } from '../../shared/domain/rules-config';
import { CommitMode } from '../../shared/state/store';
import { referenceWindows, transactions } from '../support/generate';
import { retryFrom, scoringFunction } from '../support/harness';
import { ShardLog } from '../support/kinesis-events';
import { createResources, drainQueue, scanAll } from '../support/resources';

/**
 * When every record of a batch fails, every identifier is reported (the batch-utility bug class:
 * a failure of the whole batch answered with an empty or partial list makes Lambda skip records),
 * and the retry Lambda then makes counts each event once. The DynamoDB failures are real HTTP
 * answers from the fault proxy: throttling on every request, a 500 after every write landed, and
 * the port closed.
 */
const WRITES = /^(PutItem|BatchWriteItem)$/;

export function describeWhenEveryRecordFails(): void {
  describe.each([
    ['every DynamoDB request throttled', { faults: { throttle: 1 } }, false],
    [
      'every write answered with a 500 after it landed',
      { faults: { errorAfterForward: 1 }, matches: (r) => WRITES.test(r.operation) },
      false,
    ],
    ['DynamoDB unreachable (connection refused)', {}, true],
  ] as Array<[string, Partial<FaultProxyOptions>, boolean]>)('when %s', (_, fault, unreachable) => {
    let proxy: FaultProxy | undefined;

    afterEach(async () => {
      await proxy?.close();
    });

    it('reports every valid record of the batch, and the retry counts each event once', async () => {
      const resources = await createResources('every-fails');
      proxy = await startFaultProxy({ target: process.env['AWS_ENDPOINT_URL'] ?? '', seed: 3, ...fault });
      const fn = scoringFunction('score-transactions', {
        ...resources.env,
        COMMIT_MODE: CommitMode.conditional,
        AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
      });
      const { distinct } = transactions({ count: 40, users: 6, spanMs: 4 * 60_000, duplicateRate: 0, seed: 5 });
      const log = new ShardLog();
      const [first, ...rest] = distinct;
      const records = log.put({ data: first }, { data: '{"transactionId": "poison", ' }, ...rest.map((data) => ({ data })));
      const valid = records.filter((_, i) => i !== 1).map((r) => r.kinesis.sequenceNumber);
      if (unreachable) await proxy.stop();

      const failed = await fn.invoke(records);
      await proxy.start();
      proxy.setFaults({});
      const retry = await fn.invoke(retryFrom(records, failed));

      expect(failed.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(valid); // all of them, in order
      expect(retry.batchItemFailures).toEqual([]);
      const quarantined = await drainQueue(resources.quarantineQueueUrl);
      expect(quarantined.map((m) => m['reason'])).toEqual([expect.stringMatching(/^not JSON/), expect.stringMatching(/^not JSON/)]); // once a delivery
      const stored = new Map<string, number>();
      for (const item of await scanAll(resources.stateTable)) {
        if (item['entityType'] !== 'user') continue;
        for (const [start, pane] of Object.entries(item['panes'] as Record<string, { count: number }>))
          stored.set(`${String(item['entityId'])}@${start}`, pane.count);
      }
      const expected = referenceWindows(
        distinct.map((t) => ({ entity: t.userId, time: Date.parse(t.timestamp), value: t.amount })),
        DEFAULT_RULES.transactions.pane,
      );
      expect(stored).toEqual(new Map([...expected].map(([key, w]) => [key, w.count])));
      if (!unreachable) expect(proxy.stats().matched).toBeGreaterThan(0);
    });
  });
}
