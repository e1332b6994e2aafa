import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStateStore } from '../../shared/adapters/dynamodb-state-store';
import { decisionKey } from '../../shared/adapters/dynamodb-items';
import type { TransactionEnvelope } from '../../shared/domain/fraud-rules';
import { validateTransaction } from '../../shared/kinds/transaction';
import type { Pane } from '../../shared/domain/panes';
import { DEFAULT_RULES } from '../../shared/domain/rules-config';
import { TRANSACTIONS } from '../../shared/kinds/transaction';
import { scoreBatch } from '../../shared/pipeline/score-batch';
import type { CommitMode } from '../../shared/state/store';
import { EntityType } from '../../shared/state/store';
import { scoringFunction } from '../support/harness';
import { ShardLog } from '../support/kinesis-events';
import type { TestResources } from '../support/resources';
import { createResources, drainQueue, dynamodb, scanAll } from '../support/resources';

/**
 * What DynamoDB refuses is refused for real here: moto answers "Number underflow" below 1e-130 and
 * "Item size has exceeded the maximum allowed size" over 400 KB, as DynamoDB does (ENVIRONMENT.md).
 */
const KIND = TRANSACTIONS.scoring(DEFAULT_RULES.transactions);
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

/** A transaction the validator would refuse (an amount DynamoDB cannot store), as a bug or an old validator would let through. */
function unstorable(id: string, userId: string): TransactionEnvelope {
  const validation = validateTransaction({ transactionId: id, userId, amount: 1, country: 'DE', timestamp: T0 });
  if (!validation.ok) throw new Error(validation.reason);
  return { ...validation.value, event: { ...validation.value.event, amount: 1e-200 } };
}

function good(id: string, userId: string, amount = 20): TransactionEnvelope {
  const validation = validateTransaction({ transactionId: id, userId, amount, country: 'DE', timestamp: T0 + 1000 });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

function storeOf(resources: TestResources): DynamoDBStateStore {
  return new DynamoDBStateStore({
    client: dynamodb,
    stateTable: resources.stateTable,
    alertsTable: resources.alertsTable,
    retention: DEFAULT_RULES.retention,
  });
}

describe.each<CommitMode>(['conditional', 'single-writer'])('DynamoDB refusals on moto (%s commits)', (commitMode) => {
  let resources: TestResources;

  beforeAll(async () => {
    resources = await createResources(`refusals-${commitMode}`);
  });

  it('quarantines the event whose numbers DynamoDB refuses, and commits its neighbour of the same request', async () => {
    // Arrange: one bad event of user-bad and one good event of user-good in one batch.
    const store = storeOf(resources);
    const items = [
      { recordId: '1', envelope: unstorable('t-bad', 'user-bad') },
      { recordId: '2', envelope: good('t-good', 'user-good') },
    ];

    // Act
    const scoring = await scoreBatch(items, KIND, { store, commitMode });

    // Assert
    expect(scoring.outcomes.map((o) => o.status)).toEqual(['rejected', 'applied']);
    expect(scoring.outcomes[0]).toMatchObject({ reason: expect.stringMatching(/Number underflow/) });
    // The bad event counts nowhere; its decision, stored before the commit DynamoDB refused, stays as judged.
    const stored = (await scanAll(resources.stateTable)).map((i) => String(i['pk'])).sort();
    const pk = (user: string, id: string) => String(decisionKey(user, id)['pk']?.S);
    expect(stored).toEqual([pk('user-bad', 't-bad'), pk('user-good', 't-good'), 'user#user-good'].sort());
  });

  it('refuses the state of an entity over 400 KB alone, and commits its neighbour of the same request', async () => {
    // Arrange: user-huge's commit holds 40,000 ids (about 480 KB; the pipeline keeps far fewer); user-calm one.
    const store = storeOf(resources);
    const ids = Array.from({ length: 40_000 }, (_, i) => `id${String(i).padStart(9, '0')}`);
    const pane: Pane = { count: 1, sum: 1, min: 1, max: 1, small: 0 };
    const commit = (id: string, n: number) => ({
      type: EntityType.user,
      id,
      basedOn: 0,
      state: { version: 0, watermark: T0, panes: { [String(T0)]: pane }, recent: { from: 1, ids: ids.slice(0, n).join(' ') } },
      expiresAt: 0,
    });

    // Act
    const outcomes = await store.commitStates([commit('user-huge', 40_000), commit('user-calm', 1)], commitMode);

    // Assert
    expect(outcomes.get('user-huge')).toMatchObject({ status: 'failed', error: { kind: 'record' } });
    expect(String((outcomes.get('user-huge') as { error: Error }).error.message)).toMatch(/Item size has exceeded/);
    expect(outcomes.get('user-calm')).toEqual({ status: 'committed', version: 1 });
  });
});

describe('a scoring function whose table is missing', () => {
  it('fails the whole batch with a configuration error and a log line that says what is missing', async () => {
    // Arrange
    const resources = await createResources('missing-table');
    await dynamodb.send(new DeleteTableCommand({ TableName: resources.stateTable }));
    const fn = scoringFunction('score-transactions', resources.env);
    const errors = jest.spyOn(fn.deps.logger, 'error');
    const metrics = jest.spyOn(fn.deps.metrics, 'addMetric');
    const log = new ShardLog();
    const records = log.put({ data: good('t-1', 'u').event }, { data: good('t-2', 'u').event });

    // Act
    const response = await fn.invoke(records);

    // Assert
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/^configuration error/), {
      reason: expect.stringMatching(/ResourceNotFoundException.*STATE_TABLE/),
    });
    expect(metrics).toHaveBeenCalledWith('ConfigurationErrors', 'Count', 1);
    expect(await drainQueue(resources.quarantineQueueUrl)).toEqual([]);
  });

  it('fails the whole batch with a configuration error when its quarantine queue is missing', async () => {
    // Arrange: a bad record must go to a queue that does not exist.
    const resources = await createResources('missing-queue');
    const fn = scoringFunction('score-transactions', { ...resources.env, QUARANTINE_QUEUE_URL: `${resources.quarantineQueueUrl}-gone` });
    const errors = jest.spyOn(fn.deps.logger, 'error');
    const log = new ShardLog();
    const records = log.put({ data: good('t-3', 'u').event }, { data: 'not json' });

    // Act
    const response = await fn.invoke(records);

    // Assert
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/^configuration error/), {
      reason: expect.stringMatching(/quarantine queue.*QUARANTINE_QUEUE_URL/),
    });
  });
});
