import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { createJoinHandler } from '../../../shared/handler/join-handler';
import { aggregate } from '../../../shared/kinesis/kpl-aggregate';
import { createLogger, createMetrics } from '../../../shared/observability/telemetry';
import type { Quarantine, RejectedRecord } from '../../../shared/quarantine/quarantine';
import { kinesisEvent, lambdaContext, ShardLog } from '../../support/kinesis-events';
import { quietPowertoolsLogs } from '../../support/quiet-logs';
import { MemoryJoinStore } from '../../support/memory-join-store';

/** Before the records' arrival (ShardLog's: 2026-04-25T12:00:00Z). */
const at = (secondsBefore: number) => new Date(Date.UTC(2026, 3, 25, 12, 0, 0) - secondsBefore * 1000).toISOString();
const orderOf = (orderId: string, amount: number) => ({ eventType: 'OrderCreated', orderId, userId: 'user-1', amount, timestamp: at(60) });
const paymentOf = (orderId: string, paymentId: string, amount: number) => ({
  eventType: 'PaymentReceived',
  orderId,
  paymentId,
  amount,
  timestamp: at(30),
});

class MemoryQuarantine implements Quarantine {
  readonly accepted: RejectedRecord[] = [];
  quarantine(records: readonly RejectedRecord[]): Promise<RejectedRecord[]> {
    this.accepted.push(...records);
    return Promise.resolve([]);
  }
}

function handlerOf(store: MemoryJoinStore, quarantine: Quarantine) {
  const handler = createJoinHandler({
    name: 'join-orders',
    store,
    quarantine,
    windowMs: 30 * 60_000,
    maxRecordBytes: 65_536,
    maxFutureSkewMs: 900_000,
    maxEventAgeMs: 605_400_000,
    logger: createLogger('test'),
    metrics: createMetrics('test'),
  });
  return (log: ShardLog) => handler(kinesisEvent(log.records), lambdaContext('join-orders')) as Promise<KinesisStreamBatchResponse>;
}

describe('the join-orders handler', () => {
  quietPowertoolsLogs();

  it('joins what it can, quarantines a record that is no order or payment with its reason, and fails nothing', async () => {
    const store = new MemoryJoinStore();
    const quarantine = new MemoryQuarantine();
    const log = new ShardLog();
    log.put(
      { data: paymentOf('o-1', 'p-1', 10), partitionKey: 'o-1' },
      { data: { eventType: 'OrderCreated', orderId: 'o-2', amount: 'lots' }, partitionKey: 'o-2' },
      { data: orderOf('o-1', 10), partitionKey: 'o-1' },
    );

    const response = await handlerOf(store, quarantine)(log);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.joins.get('o-1')?.state.outcome).toBe('joined');
    expect(quarantine.accepted.map((r) => [r.ref.sequenceNumber, r.reason])).toEqual([
      [
        log.records[1]?.kinesis.sequenceNumber,
        expect.stringMatching(/^invalid event: missing required field "userId"; field "amount" must be a number/),
      ],
    ]);
  });

  it('reports the records of an order whose commit failed, by sequence number, and a KPL aggregate’s as the aggregate', async () => {
    const store = new MemoryJoinStore();
    const log = new ShardLog();
    const [plain] = log.put({ data: orderOf('o-1', 10), partitionKey: 'o-1' });
    const [aggregated] = log.put({
      data: aggregate([
        { partitionKey: 'o-2', data: Buffer.from(JSON.stringify(orderOf('o-2', 5))) },
        { partitionKey: 'o-2', data: Buffer.from(JSON.stringify(paymentOf('o-2', 'p-2', 6))) },
      ]),
      partitionKey: 'o-2',
    });
    store.failCommits = 10; // each order's commit, every one of its five tries

    const failed = await handlerOf(store, new MemoryQuarantine())(log);
    const retried = await handlerOf(store, new MemoryQuarantine())(log);

    // Each failed order's records once, the aggregate's two user records under its one sequence number.
    expect(failed.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [plain?.kinesis.sequenceNumber, aggregated?.kinesis.sequenceNumber].sort(),
    );
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(store.joins.get('o-2')?.state.outcome).toBe('amount_mismatch');
    expect(store.alerts.size).toBe(1);
  });
});
