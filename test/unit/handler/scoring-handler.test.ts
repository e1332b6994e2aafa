import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { RecordError, RetryableError } from '../../../shared/errors';
import { createScoringHandler, inStreamOrder } from '../../../shared/handler/scoring-handler';
import { RequestCounter } from '../../../shared/observability/request-counter';
import { createLogger, createMetrics } from '../../../shared/observability/telemetry';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import type { Quarantine, RejectedRecord } from '../../../shared/quarantine/quarantine';
import type { CommitOutcome, EntityCommit } from '../../../shared/state/store';
import { EntityType } from '../../../shared/state/store';
import { kinesisEvent, lambdaContext, ShardLog } from '../../support/kinesis-events';
import { quietPowertoolsLogs } from '../../support/quiet-logs';
import { aggregate } from '../../../shared/kinesis/kpl-aggregate';
import type { ScoringEvent } from '../../../shared/middleware/kinesis-decoder';
import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';

/** Our quarantine port in memory. */
class MemoryQuarantine implements Quarantine {
  readonly accepted: RejectedRecord[] = [];
  async quarantine(records: readonly RejectedRecord[]): Promise<RejectedRecord[]> {
    this.accepted.push(...records);
    return [];
  }
}

/** The in-memory store, refusing the state of one user as DynamoDB refuses an item over 400 KB. */
class RefusesUser extends MemoryStateStore {
  constructor(private readonly userId: string) {
    super();
  }
  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const outcomes = await super.commitStates(commits.filter((c) => c.id !== this.userId));
    for (const c of commits.filter((c) => c.id === this.userId)) {
      outcomes.set(c.id, {
        status: 'failed',
        error: new RecordError('DynamoDB refused PutItem (Item size has exceeded the maximum allowed size)'),
      });
    }
    return outcomes;
  }
}

/** The in-memory store, its commits failing transiently while `failing` (a crash between the effects and the commit). */
class CommitTimesOut extends MemoryStateStore {
  failing = true;
  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    if (!this.failing) return super.commitStates(commits);
    return new Map(commits.map((c) => [c.id, { status: 'failed', error: new RetryableError('conditional put timed out') }]));
  }
}

/** The in-memory store, its commits of these users failing transiently while `failing`. */
class CommitsFailFor extends MemoryStateStore {
  failing = true;
  constructor(private readonly users: ReadonlySet<string>) {
    super();
  }
  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const refused = commits.filter((c) => this.failing && this.users.has(c.id));
    const outcomes = await super.commitStates(commits.filter((c) => !refused.includes(c)));
    for (const c of refused) outcomes.set(c.id, { status: 'failed', error: new RetryableError('conditional put timed out') });
    return outcomes;
  }
}

const txn = (id: string, userId: string, amount = 25) => ({
  transactionId: id,
  userId,
  amount,
  country: 'DE',
  timestamp: '2026-04-25T12:00:00Z',
});

/** Version 1 is the defaults; versions 2 and 3 block a large amount on its own. */
const STRICT = {
  ...DEFAULT_RULES,
  transactions: { ...DEFAULT_RULES.transactions, largeAmount: { enabled: true, weight: 0.9, amount: 1000 } },
};
const VERSIONS = new Map([
  [1, DEFAULT_RULES],
  [2, STRICT],
  [3, STRICT],
]);

/** The rules store as the handler reads it: `live` is the version `current()` answers. */
class Rules {
  constructor(
    public live: number,
    public candidate?: number,
  ) {}
  current() {
    const candidate =
      this.candidate === undefined ? {} : { candidate: { version: this.candidate, rules: VERSIONS.get(this.candidate) ?? DEFAULT_RULES } };
    return Promise.resolve({ version: this.live, rules: VERSIONS.get(this.live) ?? DEFAULT_RULES, ...candidate });
  }
  at(version: number) {
    const rules = VERSIONS.get(version);
    return Promise.resolve(rules && { version, rules });
  }
}

function handlerOf(store: MemoryStateStore, quarantine: Quarantine = new MemoryQuarantine(), rules = new Rules(1)) {
  return createScoringHandler({
    name: 'score-transactions',
    kind: TRANSACTIONS,
    rules,
    store,
    quarantine,
    commitMode: 'conditional',
    maxRecordBytes: 65_536,
    maxFutureSkewMs: 900_000,
    maxEventAgeMs: 605_400_000,
    logger: createLogger('test'),
    metrics: createMetrics('test'),
    counter: new RequestCounter(),
  });
}

describe('the scoring handler', () => {
  quietPowertoolsLogs();

  it('quarantines the records whose writes DynamoDB refuses, with the reason and their raw data, and reports none of them failed', async () => {
    // Arrange
    const quarantine = new MemoryQuarantine();
    const handler = handlerOf(new RefusesUser('hot'), quarantine);
    const log = new ShardLog();
    const [hot] = log.put({ data: txn('t-hot', 'hot') }, { data: txn('t-calm', 'calm') });

    // Act
    const response = (await handler(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(quarantine.accepted).toEqual([
      expect.objectContaining({
        ref: expect.objectContaining({ sequenceNumber: hot?.kinesis.sequenceNumber }),
        reason: expect.stringMatching(/Item size has exceeded/),
        data: hot?.kinesis.data,
      }),
    ]);
  });

  it('scores each payment of a KPL aggregate once: a failed one fails its aggregate, whose retry drops what was applied', async () => {
    // Arrange: a plain record, an aggregate of three payments (two of whose users' commits time out),
    // and an aggregate changed on the way
    const store = new CommitsFailFor(new Set(['u-2', 'u-3']));
    const quarantine = new MemoryQuarantine();
    const handler = handlerOf(store, quarantine);
    const log = new ShardLog();
    const payments = [txn('k-1', 'u-1'), txn('k-2', 'u-2'), txn('k-3', 'u-3')];
    const corrupt = aggregate([{ partitionKey: 'u-4', data: Buffer.from(JSON.stringify(txn('k-4', 'u-4'))) }]);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 0xff, corrupt.length - 1);
    const [, aggregated, changed] = log.put(
      { data: txn('p-1', 'u-0') },
      { data: aggregate(payments.map((p) => ({ partitionKey: p.userId, data: Buffer.from(JSON.stringify(p)) }))), partitionKey: 'u-1' },
      { data: corrupt, partitionKey: 'u-4' },
    );

    // Act: the first delivery, then Lambda's retry from the failed record on
    const first = (await handler(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;
    store.failing = false;
    const retried = (await handler(kinesisEvent(log.records.slice(1)), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;

    // Assert: the aggregate failed once (by its own sequence number), the changed one went to the quarantine whole
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: aggregated?.kinesis.sequenceNumber }] });
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(['p-1', 'k-1', 'k-2', 'k-3'].map((id) => store.decisions.get(id)?.action)).toEqual(['approve', 'approve', 'approve', 'approve']);
    expect(store.decisions.has('k-4')).toBe(false);
    const counts = await store.loadStates<unknown>(EntityType.user, ['u-1', 'u-2', 'u-3']);
    expect([...counts.values()].map((state) => Object.values(state.panes).reduce((n, pane) => n + pane.count, 0))).toEqual([1, 1, 1]);
    expect(quarantine.accepted).toEqual([
      expect.objectContaining({
        ref: expect.objectContaining({ sequenceNumber: changed?.kinesis.sequenceNumber }),
        reason: 'KPL aggregate has a wrong MD5: it was changed or cut on the way',
        data: changed?.kinesis.data,
      }),
      expect.objectContaining({ reason: 'KPL aggregate has a wrong MD5: it was changed or cut on the way' }),
    ]);
  });

  it('retries a batch whose commit failed with the rules version that judged it, though another was promoted meanwhile', async () => {
    // Arrange: version 1 judges and stores the decision and its alert; the commit times out.
    const store = new CommitTimesOut();
    const rules = new Rules(1);
    const handler = handlerOf(store, new MemoryQuarantine(), rules);
    const log = new ShardLog();
    log.put({ data: txn('t-big', 'u-1', 1500) });
    const first = (await handler(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;
    expect(first.batchItemFailures).toHaveLength(1);
    const alerts = [...store.alerts.keys()];
    store.failing = false;
    rules.live = 2;

    // Act: Lambda delivers the batch again.
    const retried = (await handler(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;

    // Assert
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(store.decisions.get('t-big')).toMatchObject({ action: 'manual_review_required' });
    expect([...store.alerts.keys()]).toEqual(alerts);
  });

  it('runs a proposed candidate in shadow: the live version decides and alerts, the candidate’s judgement is stored beside it', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const handler = handlerOf(store, new MemoryQuarantine(), new Rules(1, 2));
    const log = new ShardLog();
    log.put({ data: txn('t-big', 'u-1', 1500) });

    // Act
    const response = (await handler(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    const record = store.recordOf(EntityType.user, { entityId: 'u-1', eventId: 't-big' });
    expect(record).toMatchObject({ rulesVersion: 1, outcome: { action: 'manual_review_required' } });
    expect(record?.shadow).toMatchObject({ rulesVersion: 2, outcome: { action: 'block' } });
    expect([...store.alerts.values()].every((a) => a.rulesVersion === 1)).toBe(true);
  });

  it('keeps judging with the live version when the candidate cannot be read', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const rules = new Rules(1, 2);
    rules.current = () => Promise.resolve({ version: 1, rules: DEFAULT_RULES, candidateError: 'version 2, the candidate, cannot be read' });
    const log = new ShardLog();
    log.put({ data: txn('t-1', 'u-1') });

    // Act
    const response = (await handlerOf(
      store,
      new MemoryQuarantine(),
      rules,
    )(kinesisEvent(log.records), lambdaContext('score-transactions'))) as KinesisStreamBatchResponse;

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.decisions.get('t-1')).toMatchObject({ action: 'approve' });
  });

  it('keeps the shadow on a retry judged with the version its first attempt had', async () => {
    // Arrange: version 1 live, 2 the candidate; the first attempt's commit times out.
    const store = new CommitTimesOut();
    const rules = new Rules(1, 2);
    const handler = handlerOf(store, new MemoryQuarantine(), rules);
    const log = new ShardLog();
    log.put({ data: txn('t-big', 'u-1', 1500) });
    await handler(kinesisEvent(log.records), lambdaContext('score-transactions'));
    store.failing = false;
    rules.live = 2; // promoted meanwhile, and 3 proposed (as strict as 2)
    rules.candidate = 3;

    // Act
    await handler(kinesisEvent(log.records), lambdaContext('score-transactions'));

    // Assert
    const record = store.recordOf(EntityType.user, { entityId: 'u-1', eventId: 't-big' });
    expect(record).toMatchObject({ rulesVersion: 1, outcome: { action: 'manual_review_required' } });
    expect(record?.shadow).toMatchObject({ rulesVersion: 3, outcome: { action: 'block' } });
  });
});

describe('the order a batch is scored in', () => {
  it('keeps a KPL aggregate’s own order: a control record before an event of the same entity stays before it', () => {
    // Arrange: one aggregate holding a control record (place 0) and an event (place 1), and a plain record after it
    const log = new ShardLog();
    const [aggregated, plain] = log.put({ data: '{}' }, { data: '{}' });
    const ref = (record: typeof aggregated, subSequenceNumber?: number) => ({
      sequenceNumber: record?.kinesis.sequenceNumber ?? '',
      shardId: 'shardId-000000000000',
      partitionKey: 'u-1',
      eventSourceARN: 'arn',
      arrivalTimestamp: 1,
      ...(subSequenceNumber === undefined ? {} : { subSequenceNumber }),
    });
    const envelope = { kind: 'transaction', id: 't-1', entity: 'u-1', time: 0, event: txn('t-1', 'u-1') } as const;

    // Act
    const event: ScoringEvent<TransactionEnvelope> = kinesisEvent(log.records);
    event.riskstream = {
      valid: [
        { ref: ref(plain), envelope: { ...envelope, id: 't-2' } },
        { ref: ref(aggregated, 1), envelope },
      ],
      controls: [{ ref: ref(aggregated, 0), entity: 'u-1', arrival: 1 }],
      rejected: [],
    };
    const ordered = inStreamOrder(event);

    // Assert
    expect(ordered.map((r) => (r.type === 'control' ? 'control' : r.item.envelope.id))).toEqual(['control', 't-1', 't-2']);
  });
});
