import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import { validateTransaction } from '../../../shared/domain/events';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { RecordError } from '../../../shared/errors';
import { createScoringHandler } from '../../../shared/handler/scoring-handler';
import { RequestCounter } from '../../../shared/observability/request-counter';
import { createLogger, createMetrics } from '../../../shared/observability/telemetry';
import { transactionKind } from '../../../shared/pipeline/kinds';
import type { Quarantine, RejectedRecord } from '../../../shared/quarantine/quarantine';
import type { CommitOutcome, EntityCommit } from '../../../shared/state/store';
import { kinesisEvent, lambdaContext, ShardLog } from '../../support/kinesis-events';

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

const txn = (id: string, userId: string) => ({ transactionId: id, userId, amount: 25, country: 'DE', timestamp: '2026-04-25T12:00:00Z' });

describe('the scoring handler', () => {
  const level = process.env['POWERTOOLS_LOG_LEVEL'];
  beforeAll(() => {
    process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  });
  afterAll(() => {
    if (level === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
    else process.env['POWERTOOLS_LOG_LEVEL'] = level;
  });

  it('quarantines the records whose writes DynamoDB refuses, with the reason and their raw data, and reports none of them failed', async () => {
    // Arrange
    const quarantine = new MemoryQuarantine();
    const handler = createScoringHandler({
      name: 'score-transactions',
      kind: transactionKind,
      rules: { current: () => Promise.resolve({ version: 1, rules: DEFAULT_RULES }) },
      validate: validateTransaction,
      store: new RefusesUser('hot'),
      quarantine,
      commitMode: 'conditional',
      maxRecordBytes: 65_536,
      maxFutureSkewMs: 900_000,
      maxEventAgeMs: 605_400_000,
      logger: createLogger('test'),
      metrics: createMetrics('test'),
      counter: new RequestCounter(),
    });
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
});
