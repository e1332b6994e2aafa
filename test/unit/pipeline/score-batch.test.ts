import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import type { EntityState } from '../../../shared/domain/entity-state';
import { emptyState, recentIds } from '../../../shared/domain/entity-state';
import type { AnyEnvelope } from '../../../shared/domain/events';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';
import { validateReading } from '../../../shared/kinds/reading';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { Decision } from '../../../shared/domain/fraud-rules';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import type { UserLast } from '../../../shared/domain/transaction-engine';
import { READINGS } from '../../../shared/kinds/reading';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import type { BatchScoring, ItemOutcome, ScoreBatchDeps, ScoringItem } from '../../../shared/pipeline/score-batch';
import { scoreBatch } from '../../../shared/pipeline/score-batch';
import type { CommitOutcome, Effects, EntityCommit, EventRef } from '../../../shared/state/store';
import { CommitMode as Modes, EntityType } from '../../../shared/state/store';
import { RetryableError } from '../../../shared/errors';
import { compactId } from '../../../shared/domain/ids';

const TXN_KIND = TRANSACTIONS.scoring(DEFAULT_RULES.transactions);
const READING_KIND = READINGS.scoring(DEFAULT_RULES.readings);
const MINUTE = 60_000;
/** 12:00 UTC: the start of a 5-minute window (the default window; allowed lateness is 10 minutes). */
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

function txn(id: string, userId: string, offset: number, overrides: Record<string, unknown> = {}): TransactionEnvelope {
  const validation = validateTransaction({
    transactionId: id,
    userId,
    amount: 10,
    country: 'DE',
    timestamp: new Date(T0 + offset).toISOString(),
    ...overrides,
  });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

function reading(deviceId: string, offset: number, temperature: number): ReadingEnvelope {
  const validation = validateReading({ deviceId, temperature, timestamp: new Date(T0 + offset).toISOString() });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

/** Record ids shaped like Kinesis sequence numbers, increasing with the position in the batch. */
function itemsOf<E extends AnyEnvelope>(envelopes: readonly E[]): Array<ScoringItem<E>> {
  return envelopes.map((envelope, i) => ({ recordId: `4965000000000000000000000000000000000000000000${String(100 + i)}`, envelope }));
}

function depsOf(store: ScoreBatchDeps['store'], maxConflictRetries?: number): ScoreBatchDeps {
  return { store, commitMode: Modes.conditional, ...(maxConflictRetries === undefined ? {} : { maxConflictRetries }) };
}

function statuses<E extends AnyEnvelope, R>(scoring: BatchScoring<E, R>): string[] {
  return scoring.outcomes.map((o) => `${o.envelope.id}:${o.status}`);
}

function resultOf<E extends AnyEnvelope, R>(scoring: BatchScoring<E, R>, id: string): R {
  const outcome = scoring.outcomes.find((o) => o.envelope.id === id);
  if (!outcome || (outcome.status !== 'applied' && outcome.status !== 'late')) throw new Error(`no result for ${id}`);
  return outcome.result;
}

function errorOf<E extends AnyEnvelope, R>(outcome: ItemOutcome<E, R> | undefined): Error {
  if (outcome?.status !== 'failed') throw new Error(`expected a failed outcome, got ${outcome?.status ?? 'none'}`);
  return outcome.error;
}

async function userState(store: MemoryStateStore, userId: string): Promise<EntityState<UserLast> | undefined> {
  return (await store.loadStates<UserLast>(EntityType.user, [userId])).get(userId);
}

/** A pane's count, and the ids the entity's recent commits applied. */
function paneOf(state: EntityState<UserLast> | undefined, offset: number): { count: number; ids: readonly string[] } | undefined {
  const pane = state?.panes[String(T0 + offset)];
  return pane && state ? { count: pane.count, ids: [...recentIds(state)] } : undefined;
}

/** A snapshot that later changes to the store's maps cannot alter. */
function snapshot<V>(map: ReadonlyMap<string, V>): Array<[string, V]> {
  return structuredClone([...map.entries()]);
}

describe('scoreBatch: outcomes', () => {
  it('returns one outcome per item in the input order, even when users are interleaved', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const items = itemsOf([
      txn('a-1', 'user-a', 0),
      txn('b-1', 'user-b', 0),
      txn('a-2', 'user-a', 1_000),
      txn('c-1', 'user-c', 0),
      txn('b-2', 'user-b', 2_000),
    ]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(scoring.outcomes.map((o) => o.recordId)).toEqual(items.map((i) => i.recordId));
    expect(statuses(scoring)).toEqual(['a-1:applied', 'b-1:applied', 'a-2:applied', 'c-1:applied', 'b-2:applied']);
    expect(scoring.conflicts).toBe(0);
  });

  it('stores a decision per transaction and the alert of the seed transaction', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const items = itemsOf([txn('txn-123', 'user-456', 0, { amount: 2500 }), txn('txn-124', 'user-456', 1_000)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(resultOf(scoring, 'txn-123')).toMatchObject({ action: 'manual_review_required', riskScore: 0.6 });
    expect([...store.decisions.keys()].sort()).toEqual(['txn-123', 'txn-124']);
    expect(scoring.alerts.map((a) => a.eventIds)).toEqual([['txn-123']]);
    // The user's fraud incident opens with it: its notification goes to the outbox beside the alert.
    expect(scoring.notifications.map((n) => [n.incident?.transition, n.eventIds])).toEqual([['opened', ['txn-123']]]);
    expect([...store.alerts.values()]).toEqual([...scoring.alerts, ...scoring.notifications]);
  });

  it('keeps several users apart in one batch: only the user with six transactions trips velocity', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const envelopes = [
      txn('a-1', 'user-a', 0),
      txn('b-1', 'user-b', 0),
      txn('a-2', 'user-a', 1_000),
      txn('a-3', 'user-a', 2_000),
      txn('b-2', 'user-b', 2_000),
      txn('a-4', 'user-a', 3_000),
      txn('a-5', 'user-a', 4_000),
      txn('a-6', 'user-a', 5_000),
    ];

    // Act
    const scoring = await scoreBatch(itemsOf(envelopes), TXN_KIND, depsOf(store));

    // Assert
    const velocityOf = (id: string): string[] =>
      (resultOf(scoring, id) as Decision).reasons.filter((r) => r.rule === 'velocity').map((r) => r.detail);
    expect(velocityOf('a-5')).toEqual([]);
    expect(velocityOf('a-6')).toEqual(['6 transactions (limit 5) in the last 5m']);
    expect(velocityOf('b-2')).toEqual([]);
    expect(paneOf(await userState(store, 'user-a'), 0)?.count).toBe(6);
    expect(paneOf(await userState(store, 'user-b'), 0)?.count).toBe(2);
  });
});

describe('scoreBatch: duplicates', () => {
  it('answers duplicate for every record of a batch scored a second time and changes no decision or alert', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const items = itemsOf([
      txn('txn-1', 'user-a', 0, { amount: 2500 }),
      txn('txn-2', 'user-b', 0),
      txn('txn-3', 'user-a', 1_000, { amount: 1500 }),
    ]);
    await scoreBatch(items, TXN_KIND, depsOf(store));
    const decisionsBefore = snapshot(store.decisions);
    const alertsBefore = snapshot(store.alerts);
    const stateBefore = await userState(store, 'user-a');

    // Act
    const again = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(again)).toEqual(['txn-1:duplicate', 'txn-2:duplicate', 'txn-3:duplicate']);
    expect(again.alerts).toEqual([]);
    expect(again.notifications).toEqual([]);
    expect(alertsBefore).toHaveLength(3); // two alerts and the incident's opening
    expect(snapshot(store.decisions)).toEqual(decisionsBefore);
    expect(snapshot(store.alerts)).toEqual(alertsBefore);
    expect(await userState(store, 'user-a')).toEqual(stateBefore);
  });

  it('answers duplicate for every reading of a batch scored a second time and keeps the alerts as they were', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const items = itemsOf([reading('sensor-17', 0, 82.4), reading('sensor-18', 0, 20), reading('sensor-17', 30_000, 95)]);
    const first = await scoreBatch(items, READING_KIND, depsOf(store));
    const alertsBefore = snapshot(store.alerts);

    // Act
    const again = await scoreBatch(items, READING_KIND, depsOf(store));

    // Assert
    expect(first.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    expect(alertsBefore).toHaveLength(4); // two alerts, the incident's opening and its escalation
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.alerts).toEqual([]);
    expect(again.notifications).toEqual([]);
    expect(snapshot(store.alerts)).toEqual(alertsBefore);
    expect(store.decisions.size).toBe(0);
  });

  it('counts a transaction repeated inside one batch once and answers duplicate for the repeat', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const envelopes = [txn('txn-1', 'user-a', 0), txn('txn-1', 'user-a', 0), txn('txn-2', 'user-a', 1_000), txn('txn-2', 'user-a', 1_000)];

    // Act
    const scoring = await scoreBatch(itemsOf(envelopes), TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['txn-1:applied', 'txn-1:duplicate', 'txn-2:applied', 'txn-2:duplicate']);
    expect(paneOf(await userState(store, 'user-a'), 0)).toMatchObject({ count: 2, ids: ['txn-1', 'txn-2'].map(compactId) });
    expect(store.decisions.size).toBe(2);
  });
});

describe('scoreBatch: late events', () => {
  it('answers duplicate for a late transaction whose decision is already stored, and repeats no side effect', async () => {
    // Arrange: txn-1 is scored, then a transaction 20 minutes later closes (and prunes) its window.
    const store = new MemoryStateStore();
    const late = txn('txn-1', 'user-a', 0, { amount: 2500 });
    await scoreBatch(itemsOf([late]), TXN_KIND, depsOf(store));
    await scoreBatch(itemsOf([txn('txn-2', 'user-a', 20 * MINUTE)]), TXN_KIND, depsOf(store));
    const decisionsBefore = snapshot(store.decisions);
    const alertsBefore = snapshot(store.alerts);
    const stateBefore = await userState(store, 'user-a');

    // Act
    const scoring = await scoreBatch(itemsOf([late]), TXN_KIND, depsOf(store));

    // Assert
    expect(paneOf(stateBefore, 0)).toBeUndefined();
    expect(statuses(scoring)).toEqual(['txn-1:duplicate']);
    expect(scoring.alerts).toEqual([]);
    expect(snapshot(store.decisions)).toEqual(decisionsBefore);
    expect(store.decisions.get('txn-1')?.late).toBeUndefined();
    expect(snapshot(store.alerts)).toEqual(alertsBefore);
    expect(await userState(store, 'user-a')).toEqual(stateBefore);
  });

  it('judges a late event once, before the batch’s later events, when its own commit landed but answered 5xx (seen as a conflict)', async () => {
    // Arrange: txn-2 at +20 min makes an event at +1 min late. The store lands each commit but
    // answers as DynamoDB does to the SDK's retry of a 5xx after the write: a conflict, with its own item.
    class LandedButLost extends MemoryStateStore {
      override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
        await super.commitStates(commits);
        const lost = new Map<string, CommitOutcome<Last>>();
        for (const commit of commits)
          lost.set(commit.id, {
            status: 'conflict',
            current: (await this.loadStates<Last>(commit.type, [commit.id])).get(commit.id) as EntityState<Last>,
          });
        return lost;
      }
    }
    const store = new LandedButLost();
    const reference = new MemoryStateStore();
    const batch = [
      txn('txn-late', 'user-a', MINUTE, { amount: 10 }),
      ...Array.from({ length: 6 }, (_, i) => txn(`txn-burst-${i}`, 'user-a', 20 * MINUTE + (i + 1) * 1_000, { amount: 10 })),
    ];
    for (const s of [store, reference])
      await scoreBatch(itemsOf([txn('txn-2', 'user-a', 20 * MINUTE, { amount: 10 })]), TXN_KIND, depsOf(s));

    // Act
    const scoring = await scoreBatch(itemsOf(batch), TXN_KIND, depsOf(store));
    const expected = await scoreBatch(itemsOf(batch), TXN_KIND, depsOf(reference));

    // Assert: judged against the window at the watermark before the burst, as without the fault
    expect(resultOf(expected, 'txn-late')).toMatchObject({ late: true, action: 'approve' });
    expect(store.decisions.get('txn-late')).toEqual(reference.decisions.get('txn-late'));
    expect(statuses(scoring)).toEqual(statuses(expected));
    expect(scoring.conflicts).toBe(0);
    expect([...store.alerts.keys()].sort()).toEqual([...reference.alerts.keys()].sort());
  });

  it('scores a late transaction never seen before as late, stores its decision with late: true and counts it nowhere', async () => {
    // Arrange
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([txn('txn-2', 'user-a', 20 * MINUTE)]), TXN_KIND, depsOf(store));
    const stateBefore = await userState(store, 'user-a');

    // Act
    const scoring = await scoreBatch(itemsOf([txn('txn-late', 'user-a', MINUTE, { amount: 2500 })]), TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['txn-late:late']);
    expect(resultOf(scoring, 'txn-late')).toMatchObject({ late: true, action: 'manual_review_required' });
    expect(store.decisions.get('txn-late')).toMatchObject({ transactionId: 'txn-late', late: true });
    expect(scoring.alerts.map((a) => a.eventIds)).toEqual([['txn-late']]);
    expect(await userState(store, 'user-a')).toEqual(stateBefore);
  });

  it('answers duplicate when a stored late transaction arrives again', async () => {
    // Arrange
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([txn('txn-2', 'user-a', 20 * MINUTE)]), TXN_KIND, depsOf(store));
    const lateItems = itemsOf([txn('txn-late', 'user-a', MINUTE)]);
    await scoreBatch(lateItems, TXN_KIND, depsOf(store));

    // Act
    const scoring = await scoreBatch(lateItems, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['txn-late:duplicate']);
  });
});

/** Fails the step a test names, the way the DynamoDB store fails: the rest is the in-memory store. */
class FailingStore extends MemoryStateStore {
  constructor(private readonly failures: { readonly load?: Error; readonly writeEffects?: Error }) {
    super();
  }

  override async loadBatch<Last>(type: EntityType, entityIds: readonly string[], events: readonly EventRef[]) {
    if (this.failures.load) throw this.failures.load;
    return super.loadBatch<Last>(type, entityIds, events);
  }

  override async writeEffects(effects: Effects): Promise<void> {
    if (this.failures.writeEffects) throw this.failures.writeEffects;
    return super.writeEffects(effects);
  }
}

describe('scoreBatch: store errors', () => {
  it('fails every record with the error when loading the states fails transiently', async () => {
    // Arrange
    const error = new RetryableError('throttled');
    const store = new FailingStore({ load: error });
    const items = itemsOf([txn('txn-1', 'user-a', 0), txn('txn-2', 'user-b', 0), txn('txn-3', 'user-a', 1_000)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['txn-1:failed', 'txn-2:failed', 'txn-3:failed']);
    expect(scoring.outcomes.map((o) => o.recordId)).toEqual(items.map((i) => i.recordId));
    expect(scoring.outcomes.map((o) => errorOf(o))).toEqual([error, error, error]);
    expect(scoring.alerts).toEqual([]);
    expect(store.decisions.size).toBe(0);
  });

  it('rejects when loading the states fails with an error that is not transient', async () => {
    // Arrange
    const store = new FailingStore({ load: new TypeError('cannot read properties of undefined') });

    // Act
    const scoring = scoreBatch(itemsOf([txn('txn-1', 'user-a', 0)]), TXN_KIND, depsOf(store));

    // Assert
    await expect(scoring).rejects.toThrow(TypeError);
  });

  it('fails every record and commits nothing when writing the effects fails transiently', async () => {
    // Arrange
    const store = new FailingStore({ writeEffects: new RetryableError('unprocessed items') });
    const items = itemsOf([txn('txn-1', 'user-a', 0), txn('txn-2', 'user-b', 0)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['txn-1:failed', 'txn-2:failed']);
    expect(await userState(store, 'user-a')).toBeUndefined();
    expect(await userState(store, 'user-b')).toBeUndefined();
  });

  it('reports the store error itself as the reason of each record failed by a transient writeEffects error', async () => {
    // Arrange
    const error = new RetryableError('unprocessed items');
    const store = new FailingStore({ writeEffects: error });
    const items = itemsOf([txn('txn-1', 'user-a', 0), txn('txn-2', 'user-b', 0)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(scoring.outcomes.map((o) => errorOf(o).message)).toEqual(['unprocessed items', 'unprocessed items']);
    expect(errorOf(scoring.outcomes[0])).toBe(error);
  });

  it('rejects (does not swallow the bug) when writing the effects fails with an error that is not transient', async () => {
    // Arrange
    const bug = new Error('item size computed wrong');
    const store = new FailingStore({ writeEffects: bug });

    // Act
    const scoring = scoreBatch(itemsOf([txn('txn-1', 'user-a', 0)]), TXN_KIND, depsOf(store));

    // Assert
    await expect(scoring).rejects.toBe(bug);
    expect(await userState(store, 'user-a')).toBeUndefined();
  });
});

/**
 * Another writer commits some of the same user's events between this batch's read and its commit
 * (as a second Lambda would if producers did not key by user): the first commit loses its race.
 */
class RacingStore extends MemoryStateStore {
  commitCalls = 0;
  private raced = false;

  constructor(private readonly rival: (store: MemoryStateStore) => Promise<unknown>) {
    super();
  }

  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    if (!this.raced) {
      this.raced = true;
      await this.rival(this);
    }
    this.commitCalls++;
    return super.commitStates(commits);
  }
}

/** Answers `conflict` for one entity, every time, with whatever state the store holds for it. */
class AlwaysConflictingStore extends MemoryStateStore {
  commitCalls = 0;

  constructor(private readonly entity: string) {
    super();
  }

  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    this.commitCalls++;
    const outcomes = await super.commitStates(commits.filter((c) => c.id !== this.entity));
    for (const commit of commits.filter((c) => c.id === this.entity)) {
      outcomes.set(commit.id, { status: 'conflict', current: { ...emptyState(), version: commit.basedOn + 1 } });
    }
    return outcomes;
  }
}

/** Answers `failed` for one entity's commit while `failing`; the others are committed. */
class FailingCommitStore extends MemoryStateStore {
  failing = true;

  constructor(
    private readonly entity: string,
    private readonly error: Error,
  ) {
    super();
  }

  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    if (!this.failing) return super.commitStates(commits);
    const outcomes = await super.commitStates(commits.filter((c) => c.id !== this.entity));
    for (const commit of commits.filter((c) => c.id === this.entity)) outcomes.set(commit.id, { status: 'failed', error: this.error });
    return outcomes;
  }
}

describe('scoreBatch: commits', () => {
  it('recomputes an entity that lost a conditional write from the winning state and counts every event once', async () => {
    // Arrange: the rival commits a-1..a-3 of user-a after this batch read the (empty) state.
    const sixOfUserA = [0, 1, 2, 3, 4, 5].map((n) => txn(`a-${n + 1}`, 'user-a', n * 1_000));
    const store = new RacingStore((s) => scoreBatch(itemsOf(sixOfUserA.slice(0, 3)), TXN_KIND, depsOf(s)));
    const items = itemsOf([...sixOfUserA, txn('b-1', 'user-b', 0)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(scoring.conflicts).toBe(1);
    expect(store.commitCalls).toBe(3); // the rival's commit, the lost one, the retried one
    expect(statuses(scoring)).toEqual([
      'a-1:duplicate',
      'a-2:duplicate',
      'a-3:duplicate',
      'a-4:applied',
      'a-5:applied',
      'a-6:applied',
      'b-1:applied',
    ]);
    const stateA = await userState(store, 'user-a');
    expect(paneOf(stateA, 0)).toMatchObject({ count: 6, ids: ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'].map(compactId) });
    expect(stateA?.version).toBe(2);
    expect((await userState(store, 'user-b'))?.version).toBe(1);
    expect((resultOf(scoring, 'a-5') as Decision).reasons).toEqual([]);
    expect((resultOf(scoring, 'a-6') as Decision).reasons.map((r) => r.detail)).toEqual(['6 transactions (limit 5) in the last 5m']);
  });

  it('fails only the records of an entity whose state keeps changing, after the allowed retries', async () => {
    // Arrange
    const store = new AlwaysConflictingStore('user-a');
    const items = itemsOf([txn('a-1', 'user-a', 0), txn('b-1', 'user-b', 0), txn('a-2', 'user-a', 1_000)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store, 2));

    // Assert
    expect(statuses(scoring)).toEqual(['a-1:failed', 'b-1:applied', 'a-2:failed']);
    expect(scoring.conflicts).toBe(3);
    expect(store.commitCalls).toBe(3);
    const error = errorOf(scoring.outcomes[0]);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('state of user user-a kept changing under concurrent writers');
  });

  it('fails only the records of the entity whose commit failed', async () => {
    // Arrange
    const error = new RetryableError('conditional put timed out');
    const store = new FailingCommitStore('user-a', error);
    const items = itemsOf([txn('a-1', 'user-a', 0), txn('b-1', 'user-b', 0), txn('a-2', 'user-a', 1_000), txn('c-1', 'user-c', 0)]);

    // Act
    const scoring = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(scoring)).toEqual(['a-1:failed', 'b-1:applied', 'a-2:failed', 'c-1:applied']);
    expect(errorOf(scoring.outcomes[0])).toBe(error);
    expect(errorOf(scoring.outcomes[2])).toBe(error);
    expect(await userState(store, 'user-a')).toBeUndefined();
    expect((await userState(store, 'user-b'))?.version).toBe(1);
  });

  it("applies the failed entity's records when the batch is retried after a failed commit", async () => {
    // Arrange
    const store = new FailingCommitStore('user-a', new RetryableError('conditional put timed out'));
    const items = itemsOf([txn('a-1', 'user-a', 0), txn('b-1', 'user-b', 0), txn('a-2', 'user-a', 1_000), txn('c-1', 'user-c', 0)]);
    await scoreBatch(items, TXN_KIND, depsOf(store));
    store.failing = false;

    // Act
    const retried = await scoreBatch(items, TXN_KIND, depsOf(store));

    // Assert
    expect(statuses(retried)).toEqual(['a-1:applied', 'b-1:duplicate', 'a-2:applied', 'c-1:duplicate']);
    expect(paneOf(await userState(store, 'user-a'), 0)).toMatchObject({ count: 2, ids: ['a-1', 'a-2'].map(compactId) });
  });
});

describe('scoreBatch: a retry after the rules changed', () => {
  const v1 = TRANSACTIONS.scoring(DEFAULT_RULES.transactions, 1);
  // Version 2 blocks what version 1 sent to review: a large amount alone is enough to block.
  const v2Rules = {
    ...DEFAULT_RULES,
    transactions: { ...DEFAULT_RULES.transactions, largeAmount: { enabled: true, weight: 0.9, amount: 1000 } },
  };
  const versions = new Map([[1, v1]]);
  const v2 = { ...TRANSACTIONS.scoring(v2Rules.transactions, 2), atVersion: (version: number) => Promise.resolve(versions.get(version)) };

  it('judges an event an unfinished attempt stored under the earlier version with that version: same decision, no second alert', async () => {
    // Arrange: the first attempt stores the decision and the alert under version 1, then its commit fails.
    const store = new FailingCommitStore('user-a', new RetryableError('conditional put timed out'));
    const items = itemsOf([txn('big-1', 'user-a', 0, { amount: 1500 }), txn('b-1', 'user-b', 0, { amount: 1500 })]);
    await scoreBatch(items, v1, depsOf(store));
    const alertsBefore = [...store.alerts.keys()];
    store.failing = false;

    // Act: version 2 is live when Lambda retries the batch.
    const retried = await scoreBatch(items, v2, depsOf(store));

    // Assert
    expect(statuses(retried)).toEqual(['big-1:applied', 'b-1:duplicate']);
    expect(store.decisions.get('big-1')).toMatchObject({ action: 'manual_review_required' });
    expect([...store.alerts.keys()]).toEqual(alertsBefore);
    expect(new Set([...store.alerts.values()].map((a) => a.rulesVersion))).toEqual(new Set([1]));
    expect(paneOf(await userState(store, 'user-a'), 0)).toMatchObject({ count: 1 });
  });

  it('answers duplicate for a late event redelivered after a version with a longer allowed lateness went live', async () => {
    // Arrange: version 1 (10 minutes' lateness) judged the event late, and stored it so.
    const patient = { ...DEFAULT_RULES, transactions: { ...DEFAULT_RULES.transactions, allowedLateness: 2 * 60 * MINUTE } };
    const v2Patient = {
      ...TRANSACTIONS.scoring(patient.transactions, 2),
      atVersion: (version: number) => Promise.resolve(versions.get(version)),
    };
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([txn('now', 'user-l', 30 * MINUTE)]), v1, depsOf(store));
    const late = itemsOf([txn('late', 'user-l', 0, { amount: 1500 })]);
    const first = await scoreBatch(late, v1, depsOf(store));

    // Act
    const again = await scoreBatch(late, v2Patient, depsOf(store));

    // Assert: counted in no window, then or now.
    expect(statuses(first)).toEqual(['late:late']);
    expect(statuses(again)).toEqual(['late:duplicate']);
    expect(store.decisions.get('late')).toMatchObject({ late: true });
  });

  it('judges events never seen before, and events seen under the live version, with the live version', async () => {
    // Arrange
    const store = new MemoryStateStore();

    // Act
    const scored = await scoreBatch(itemsOf([txn('big-2', 'user-c', 0, { amount: 1500 })]), v2, depsOf(store));

    // Assert
    expect(resultOf(scored, 'big-2')).toMatchObject({ action: 'block' });
    expect(new Set([...store.alerts.values()].map((a) => a.rulesVersion))).toEqual(new Set([2]));
  });
});

describe('scoreBatch: a candidate in shadow', () => {
  // The candidate blocks a large amount on its own; the live rules send it to review.
  const strict = {
    ...DEFAULT_RULES,
    transactions: { ...DEFAULT_RULES.transactions, largeAmount: { enabled: true, weight: 0.9, amount: 1000 } },
  };
  const live = TRANSACTIONS.scoring(DEFAULT_RULES.transactions, 1);
  const withShadow = { ...live, shadow: TRANSACTIONS.scoring(strict.transactions, 2) };

  it('stores the candidate’s judgement on each record and counts where it differs, the live rules deciding', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const items = itemsOf([txn('big', 'user-a', 0, { amount: 1500 }), txn('small', 'user-a', 1_000, { amount: 20 })]);

    // Act
    const scored = await scoreBatch(items, withShadow, depsOf(store));

    // Assert
    expect(resultOf(scored, 'big')).toMatchObject({ action: 'manual_review_required' });
    expect(store.decisions.get('big')).toMatchObject({ action: 'manual_review_required' });
    expect(store.recordOf(EntityType.user, { entityId: 'user-a', eventId: 'big' })?.shadow).toEqual({
      rulesVersion: 2,
      outcome: expect.objectContaining({ action: 'block', riskScore: 0.9 }),
    });
    expect(store.recordOf(EntityType.user, { entityId: 'user-a', eventId: 'small' })?.shadow?.outcome).toMatchObject({ action: 'approve' });
    expect(scored.shadowDisagreements).toEqual({ 'manual_review_required → block': 1 });
  });

  it('has no side effect of its own: the alerts, incidents and state are the live rules’ alone', async () => {
    // Arrange
    const [plain, shadowed] = [new MemoryStateStore(), new MemoryStateStore()];
    const items = itemsOf([txn('big', 'user-a', 0, { amount: 1500 }), txn('big-2', 'user-a', 1_000, { amount: 2500 })]);

    // Act
    const withoutIt = await scoreBatch(items, live, depsOf(plain));
    const withIt = await scoreBatch(items, withShadow, depsOf(shadowed));

    // Assert
    expect(withIt.alerts).toEqual(withoutIt.alerts);
    expect(withIt.notifications).toEqual(withoutIt.notifications);
    expect(snapshot(shadowed.alerts)).toEqual(snapshot(plain.alerts));
    expect(await userState(shadowed, 'user-a')).toEqual(await userState(plain, 'user-a'));
  });

  it('leaves the live scoring as it is when the shadow’s own judging throws', async () => {
    // Arrange
    const broken = {
      ...withShadow,
      shadow: {
        ...withShadow.shadow,
        model: {
          ...withShadow.shadow.model,
          evaluate: () => {
            throw new Error('a bug in the candidate');
          },
        },
      },
    };
    const store = new MemoryStateStore();

    // Act
    const scored = await scoreBatch(itemsOf([txn('big', 'user-a', 0, { amount: 1500 })]), broken, depsOf(store));

    // Assert
    expect(statuses(scored)).toEqual(['big:applied']);
    expect(store.recordOf(EntityType.user, { entityId: 'user-a', eventId: 'big' })?.shadow).toBeUndefined();
    expect(scored.shadowDisagreements).toEqual({});
  });
});
