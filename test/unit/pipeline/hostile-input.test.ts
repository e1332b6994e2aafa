import { MemoryStateStore } from '../../../shared/adapters/memory-state-store';
import type { AnyEnvelope } from '../../../shared/domain/events';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';
import { validateReading } from '../../../shared/kinds/reading';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { Decision } from '../../../shared/domain/fraud-rules';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import type { ReadingResult } from '../../../shared/domain/sensor-rules';
import { NO_RECENT, RECENT_LIMITS, recentCommits } from '../../../shared/domain/entity-state';
import type { UserLast } from '../../../shared/domain/transaction-engine';
import { READINGS } from '../../../shared/kinds/reading';
import { TRANSACTIONS } from '../../../shared/kinds/transaction';
import type { BatchScoring, ScoreBatchDeps, ScoringItem, ScoringKind } from '../../../shared/pipeline/score-batch';
import { scoreBatch } from '../../../shared/pipeline/score-batch';
import type { CommitOutcome, Effects, EntityCommit, EventRef } from '../../../shared/state/store';
import { CommitMode, EntityType, RefusedItemsError } from '../../../shared/state/store';
import { ConfigurationError, RecordError } from '../../../shared/errors';

const TXN_KIND = TRANSACTIONS.scoring(DEFAULT_RULES.transactions);
const READING_KIND = READINGS.scoring(DEFAULT_RULES.readings);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
/** 12:03 at Kinesis: when the records below arrive (mid-window: windows are 5 minutes from 12:00). */
const ARRIVAL = Date.UTC(2026, 3, 25, 12, 3, 0);

/** A transaction as the decoder hands it on: validated, with the record's arrival time. */
function txn(id: string, userId: string, time: number, amount: number, arrival = ARRIVAL): TransactionEnvelope {
  const validation = validateTransaction({ transactionId: id, userId, amount, country: 'DE', timestamp: time });
  if (!validation.ok) throw new Error(validation.reason);
  return { ...validation.value, arrival };
}

function reading(deviceId: string, time: number, temperature: number, arrival = ARRIVAL): ReadingEnvelope {
  const validation = validateReading({ deviceId, temperature, timestamp: time });
  if (!validation.ok) throw new Error(validation.reason);
  return { ...validation.value, arrival };
}

let sequence = 1000;
function itemsOf<E extends AnyEnvelope>(envelopes: readonly E[]): Array<ScoringItem<E>> {
  return envelopes.map((envelope) => ({ recordId: String(sequence++), envelope }));
}

function deps(store: ScoreBatchDeps['store'], now = ARRIVAL + 5 * SECOND): ScoreBatchDeps {
  return { store, commitMode: CommitMode.conditional, now: () => now };
}

function outcomesOf<E extends AnyEnvelope>(scoring: BatchScoring<E, Decision>): string[] {
  return scoring.outcomes.map((o) =>
    o.status === 'applied' || o.status === 'late' ? `${o.envelope.id}:${o.status}:${o.result.action}` : `${o.envelope.id}:${o.status}`,
  );
}

/** How many events an entity's open windows count. */
function countOf(state: { panes: Readonly<Record<string, { count: number }>> } | undefined): number {
  return Object.values(state?.panes ?? {}).reduce((n, p) => n + p.count, 0);
}

/** Card testing: eight payments of 2 in eight seconds, just before the records arrive. */
function cardTestingRun(userId: string): TransactionEnvelope[] {
  return Array.from({ length: 8 }, (_, i) => txn(`t${i}`, userId, ARRIVAL - 10 * SECOND + i * SECOND, 2));
}

describe('event time cannot switch the rules off', () => {
  it('judges a card-testing run the same with or without one transaction dated 14 minutes ahead before it', async () => {
    // Arrange
    const plain = new MemoryStateStore();
    const skewed = new MemoryStateStore();
    const ahead = txn('skew', 'mallory', ARRIVAL + 14 * MINUTE, 1);

    // Act
    const withoutSkew = await scoreBatch(itemsOf(cardTestingRun('mallory')), TXN_KIND, deps(plain));
    await scoreBatch(itemsOf([ahead]), TXN_KIND, deps(skewed));
    const withSkew = await scoreBatch(itemsOf(cardTestingRun('mallory')), TXN_KIND, deps(skewed));

    // Assert: none of the eight is late, and card testing still blocks or holds them.
    expect(outcomesOf(withSkew).filter((o) => o.includes(':late'))).toEqual([]);
    expect(outcomesOf(withSkew).map((o) => o.split(':')[2])).toEqual(outcomesOf(withoutSkew).map((o) => o.split(':')[2]));
    expect(outcomesOf(withSkew).filter((o) => o.endsWith('block'))).toHaveLength(3);
  });

  it('lets a clock ahead of arrival move the watermark only to the arrival time', async () => {
    // Arrange
    const store = new MemoryStateStore();

    // Act
    await scoreBatch(itemsOf([txn('ahead', 'u', ARRIVAL + 14 * MINUTE, 10)]), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['u'])).get('u');
    expect(state?.watermark).toBe(ARRIVAL);
  });

  it('judges a late transaction against the entity current window, never an empty one, and says late', async () => {
    // Arrange: four small amounts now, then a fifth one dated 20 minutes back (its window closed).
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf(cardTestingRun('eve').slice(0, 4)), TXN_KIND, deps(store));

    // Act
    const late = await scoreBatch(itemsOf([txn('old', 'eve', ARRIVAL - 20 * MINUTE, 2)]), TXN_KIND, deps(store));

    // Assert: card testing fires on it (5 small amounts with the current window), so it is not approved.
    expect(outcomesOf(late)).toEqual(['old:late:manual_review_required']);
    expect(store.decisions.get('old')).toMatchObject({ late: true, reasons: [expect.objectContaining({ rule: 'cardTesting' })] });
  });

  it('judges a late reading against the device current window and last reading', async () => {
    // Arrange
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([reading('d', ARRIVAL - 5 * SECOND, 20)]), READING_KIND, deps(store));

    // Act: 21 minutes back, 40 degrees hotter than the last reading, more than 10 minutes before it: no jump.
    const late = await scoreBatch(itemsOf([reading('d', ARRIVAL - 21 * MINUTE, 95)]), READING_KIND, deps(store));

    // Assert
    expect(late.outcomes.map((o) => o.status)).toEqual(['late']);
    expect(late.alerts.map((a) => a.severity)).toEqual(['critical']);
  });
});

describe('one event, one count, whatever its timestamp and whenever it comes back', () => {
  it('counts a transaction re-stamped across a window boundary once and keeps its first decision', async () => {
    // Arrange
    const store = new MemoryStateStore();
    const first = txn('pay-1', 'u', Date.UTC(2026, 3, 25, 12, 4, 59, 900), 900);
    const restamped = txn('pay-1', 'u', Date.UTC(2026, 3, 25, 12, 5, 0, 100), 900);

    // Act
    await scoreBatch(itemsOf([first]), TXN_KIND, deps(store));
    const again = await scoreBatch(itemsOf([restamped]), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['u'])).get('u');
    expect(outcomesOf(again)).toEqual(['pay-1:duplicate']);
    expect(countOf(state)).toBe(1);
    expect(store.decisions.get('pay-1')?.eventTime).toBe('2026-04-25T12:04:59.900Z');
  });

  it('counts a re-stamped transaction once in one batch too', async () => {
    // Arrange
    const store = new MemoryStateStore();

    // Act
    const scoring = await scoreBatch(
      itemsOf([txn('pay-2', 'u', ARRIVAL - 2 * MINUTE, 900), txn('pay-2', 'u', ARRIVAL - 4 * MINUTE, 900)]),
      TXN_KIND,
      deps(store),
    );

    // Assert
    expect(scoring.outcomes.map((o) => o.status)).toEqual(['applied', 'duplicate']);
  });

  it('counts a re-stamped transaction once after its first window closed, by its stored decision', async () => {
    // Arrange: pay-3 counted, then 20 minutes of other traffic close its window (its id leaves the item).
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([txn('pay-3', 'u', ARRIVAL - 2 * MINUTE, 900)]), TXN_KIND, deps(store));
    await scoreBatch(itemsOf([txn('later', 'u', ARRIVAL + 18 * MINUTE, 10, ARRIVAL + 18 * MINUTE)]), TXN_KIND, deps(store));

    // Act
    const again = await scoreBatch(
      itemsOf([txn('pay-3', 'u', ARRIVAL + 19 * MINUTE, 900, ARRIVAL + 19 * MINUTE)]),
      TXN_KIND,
      deps(store, ARRIVAL + 19 * MINUTE),
    );

    // Assert
    expect(outcomesOf(again)).toEqual(['pay-3:duplicate']);
  });

  it("scores a user's transaction whose id another user's stored decision already has", async () => {
    // Arrange: mallory sends a back-dated payment under an id she expects bob to use (late: decided, never counted).
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf([txn('seen', 'mallory', ARRIVAL, 5)]), TXN_KIND, deps(store));
    await scoreBatch(itemsOf([txn('ord-1000', 'mallory', ARRIVAL - 25 * MINUTE, 5)]), TXN_KIND, deps(store));

    // Act
    const bobs = await scoreBatch(itemsOf([txn('ord-1000', 'bob', ARRIVAL, 9000)]), TXN_KIND, deps(store));

    // Assert
    expect(outcomesOf(bobs)).toEqual(['ord-1000:applied:manual_review_required']);
    expect(bobs.alerts.map((a) => a.entity.id)).toEqual(['bob']);
  });

  // TTL removes an entity item once its horizon has passed; a redrive (DLQ messages live 14 days)
  // may bring its events back. The stored decision wins: nothing is counted or decided again.
  it("keeps a user's decision and count when another user's transaction reuses its id", async () => {
    // Arrange: alice's ord-7, then enough of her payments that its commit leaves the recent ones; mallory reuses the id.
    const store = new MemoryStateStore();
    const ord7 = txn('ord-7', 'alice', ARRIVAL - 100 * SECOND, 50);
    await scoreBatch(itemsOf([ord7]), TXN_KIND, deps(store));
    for (let i = 0; i < RECENT_LIMITS.commits; i++) {
      await scoreBatch(itemsOf([txn(`a${i}`, 'alice', ARRIVAL - 90 * SECOND + i * SECOND, 10)]), TXN_KIND, deps(store));
    }
    await scoreBatch(itemsOf([txn('ord-7', 'mallory', ARRIVAL, 1)]), TXN_KIND, deps(store));

    // Act
    const again = await scoreBatch(itemsOf([ord7]), TXN_KIND, deps(store));

    // Assert
    const { records } = await store.loadBatch(
      EntityType.user,
      [],
      [
        { entityId: 'alice', eventId: 'ord-7' },
        { entityId: 'mallory', eventId: 'ord-7' },
      ],
    );
    const state = (await store.loadStates<UserLast>(EntityType.user, ['alice'])).get('alice');
    expect(outcomesOf(again)).toEqual(['ord-7:duplicate']);
    expect(countOf(state)).toBe(1 + RECENT_LIMITS.commits);
    expect([...records.values()].map((r) => [r.entityId, r.basedOn])).toEqual([
      ['alice', 0],
      ['mallory', 0],
    ]);
  });

  it('changes no decision and no count when an event comes back after its entity item expired', async () => {
    // Arrange: card testing stored; then the user item is gone (TTL), decisions and alerts stay.
    const store = new MemoryStateStore();
    await scoreBatch(itemsOf(cardTestingRun('ttl')), TXN_KIND, deps(store));
    const decided = structuredClone([...store.decisions.entries()]);
    const expired = MemoryStateStore.withoutEntities(store);

    // Act: a redrive 8 days later replays the whole range.
    const redriven = await scoreBatch(itemsOf(cardTestingRun('ttl')), TXN_KIND, deps(expired, ARRIVAL + 8 * DAY));

    // Assert
    expect(redriven.outcomes.map((o) => o.status)).toEqual(Array(8).fill('duplicate'));
    expect([...expired.decisions.entries()]).toEqual(decided);
    expect(await expired.loadStates(EntityType.user, ['ttl'])).toEqual(new Map());
  });

  // TTL deletes an item the horizon after its last commit, so a record younger than the horizon whose
  // item is gone belongs to a commit that never happened: the user committed at 12:03, a later batch's
  // commit failed at 15:03 and went to the DLQ, the item expired at about 12:28 seven days on, and the
  // redrive came an hour after that.
  it('counts the events of a batch whose commit never happened when their entity item has expired since', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const run = cardTestingRun('gone');
    await scoreBatch(itemsOf(run.slice(0, 4)), TXN_KIND, deps(store));
    store.failNext = true;
    await scoreBatch(itemsOf(run.slice(4)), TXN_KIND, deps(store, ARRIVAL + 3 * 60 * MINUTE));
    const expired = MemoryStateStore.withoutEntities(store);

    // Act
    const redriven = await scoreBatch(itemsOf(run.slice(4)), TXN_KIND, deps(expired, ARRIVAL + 7 * DAY + 60 * MINUTE));

    // Assert
    const state = (await expired.loadStates<UserLast>(EntityType.user, ['gone'])).get('gone');
    expect(redriven.outcomes.map((o) => o.status)).toEqual(Array(4).fill('applied'));
    expect(countOf(state)).toBe(4);
  });

  // A batch of which an event was refused is judged again without it; if that second round dies, an
  // event the refused one had made late must not stay late: its window is open in the stored state.
  it('applies an event judged late only because of a neighbour that was then refused, after a crash', async () => {
    // Arrange: the user's watermark at 11:41; `a` (12:03) would close 11:43's window, then DynamoDB refuses a's decision.
    const store = new RefusesThenDies('a');
    await scoreBatch(itemsOf([txn('first', 'late-u', ARRIVAL - 22 * MINUTE, 10, ARRIVAL - 22 * MINUTE)]), TXN_KIND, deps(store));
    const batch = [txn('a', 'late-u', ARRIVAL, 10), txn('e', 'late-u', ARRIVAL - 20 * MINUTE, 10)];
    await expect(scoreBatch(itemsOf(batch), TXN_KIND, deps(store))).rejects.toThrow('died');

    // Act
    const retried = await scoreBatch(itemsOf(batch), TXN_KIND, deps(store));

    // Assert
    expect(outcomesOf(retried).map((o) => o.split(':').slice(0, 2).join(':'))).toEqual(['a:rejected', 'e:applied']);
    expect(store.decisions.get('e')?.late).toBeUndefined();
  });

  // The decisions go out before the entity item, which is the commit record: a crash between the two
  // leaves decisions without a commit, and the retry must still count the events.
  it('counts the events of a batch whose decisions were stored but whose commit never happened', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const run = cardTestingRun('crash');
    await scoreBatch(itemsOf(run.slice(0, 2)), TXN_KIND, deps(store));
    store.failNext = true;
    const failed = await scoreBatch(itemsOf(run.slice(2)), TXN_KIND, deps(store));

    // Act
    const retried = await scoreBatch(itemsOf(run.slice(2)), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['crash'])).get('crash');
    expect(failed.outcomes.map((o) => o.status)).toEqual(Array(6).fill('failed'));
    expect(retried.outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    expect(countOf(state)).toBe(8);
  });

  // conditional mode with producers that do not partition by user: a second writer commits the user
  // between the first writer's decisions and its retry. The panes show the first writer's events uncounted.
  it('counts the events of a writer that died before its commit while another writer committed the same user', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const run = cardTestingRun('race');
    store.failNext = true;
    await scoreBatch(itemsOf(run.slice(0, 3)), TXN_KIND, deps(store));
    await scoreBatch(itemsOf(run.slice(3, 5)), TXN_KIND, deps(store));

    // Act
    const retried = await scoreBatch(itemsOf(run.slice(0, 3)), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['race'])).get('race');
    expect(retried.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    expect(countOf(state)).toBe(5);
  });

  // publish-alerts marks what it sent on the stored alert; writing that alert again would erase the mark.
  it('tells the store to look for stored alerts only when an event is judged again', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const flags: boolean[] = [];
    const writeEffects = store.writeEffects.bind(store);
    store.writeEffects = async (effects) => (flags.push(effects.alertsMayBeStored), writeEffects(effects));
    const run = cardTestingRun('flags');

    // Act: a first judgement, a retry after a commit that never happened, a plain redelivery.
    store.failNext = true;
    await scoreBatch(itemsOf(run), TXN_KIND, deps(store));
    await scoreBatch(itemsOf(run), TXN_KIND, deps(store));
    await scoreBatch(itemsOf(run), TXN_KIND, deps(store));

    // Assert
    expect(flags).toEqual([false, true, false]);
  });

  it('counts the first batch of a new entity when its commit never happened', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const run = cardTestingRun('fresh');
    store.failNext = true;
    await scoreBatch(itemsOf(run), TXN_KIND, deps(store));

    // Act
    const retried = await scoreBatch(itemsOf(run), TXN_KIND, deps(store));

    // Assert
    expect(retried.outcomes.map((o) => o.status)).toEqual(Array(8).fill('applied'));
  });
});

/**
 * Refuses one event's decision as DynamoDB would (after writing its neighbours, item by item), and
 * dies on the round that follows the refusal, once: as a Lambda timing out would.
 */
class RefusesThenDies extends MemoryStateStore {
  private died = false;
  private refusedOnce = false;

  constructor(private readonly refused: string) {
    super();
  }

  override async writeEffects(effects: Effects): Promise<void> {
    if (this.refusedOnce && !this.died) {
      this.died = true;
      throw new Error('the process died');
    }
    await super.writeEffects({ ...effects, records: effects.records.filter((r) => r.eventId !== this.refused) });
    if (effects.records.some((r) => r.eventId === this.refused)) {
      this.refusedOnce = true;
      throw new RefusedItemsError([{ eventIds: [this.refused], error: new RecordError('DynamoDB refused PutItem (Number underflow)') }]);
    }
  }
}

/** Fails the commits of the next call when told to, as a crash after the decisions would leave them. */
class CommitFailsOnce extends MemoryStateStore {
  failNext = false;
  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    if (!this.failNext) return super.commitStates(commits);
    this.failNext = false;
    return new Map(commits.map((c) => [c.id, { status: 'failed', error: new Error('the process died before its commit') }]));
  }
}

describe('hot entities: a bounded item, and still one count per event', () => {
  /** One event per batch, as a busy user's records land on a busy shard. */
  async function oneByOne<E extends AnyEnvelope, R>(envelopes: readonly E[], kind: ScoringKind<E, unknown, R>, store: MemoryStateStore) {
    for (const envelope of envelopes) await scoreBatch(itemsOf([envelope]), kind, deps(store));
  }

  it("keeps only the recent commits' ids in a busy user's item, and finds an older event again by its decision", async () => {
    // Arrange: 60 payments in 60 batches within one window; the first one's commit has left the recent ones.
    const store = new MemoryStateStore();
    const run = Array.from({ length: 60 }, (_, i) => txn(`p${i}`, 'busy', ARRIVAL - 60 * SECOND + i * SECOND, 10));
    await oneByOne(run, TXN_KIND as ScoringKind<TransactionEnvelope, unknown, Decision>, store);

    // Act
    const again = await scoreBatch(itemsOf([run[0] as TransactionEnvelope, run[59] as TransactionEnvelope]), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['busy'])).get('busy');
    expect(recentCommits(state?.recent ?? NO_RECENT)).toHaveLength(RECENT_LIMITS.commits);
    expect(outcomesOf(again)).toEqual(['p0:duplicate', 'p59:duplicate']);
    expect(countOf(state)).toBe(60);
  });

  it("finds a busy device's reading again by its stored status once its commit left the recent ones", async () => {
    // Arrange
    const store = new MemoryStateStore();
    const readings = Array.from({ length: 60 }, (_, i) => reading('hot-device', ARRIVAL - 60 * SECOND + i * SECOND, 20));
    await oneByOne(readings, READING_KIND as ScoringKind<ReadingEnvelope, unknown, ReadingResult>, store);

    // Act
    const again = await scoreBatch(itemsOf([readings[0] as ReadingEnvelope]), READING_KIND, deps(store));

    // Assert
    const state = (await store.loadStates(EntityType.device, ['hot-device'])).get('hot-device');
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate']);
    expect(countOf(state)).toBe(60);
  });

  it('counts a reading whose status was stored but whose commit never happened', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    const first = reading('crash-device', ARRIVAL - 10 * SECOND, 20);
    store.failNext = true;
    await scoreBatch(itemsOf([first]), READING_KIND, deps(store));

    // Act
    const retried = await scoreBatch(itemsOf([first]), READING_KIND, deps(store));

    // Assert
    expect(retried.outcomes.map((o) => o.status)).toEqual(['applied']);
  });

  // The limit the README states: an event whose commit failed, and whose entity then committed more
  // than RECENT_LIMITS.commits times before the event came back, is taken as committed (its record wins).
  it('takes a stored decision as committed once its entity committed more often since than the recent ones reach', async () => {
    // Arrange
    const store = new CommitFailsOnce();
    store.failNext = true;
    await scoreBatch(itemsOf([txn('lost', 'racer', ARRIVAL - 50 * SECOND, 10)]), TXN_KIND, deps(store));
    const later = Array.from({ length: RECENT_LIMITS.commits + 1 }, (_, i) =>
      txn(`l${i}`, 'racer', ARRIVAL - 40 * SECOND + i * SECOND, 10),
    );
    await oneByOne(later, TXN_KIND as ScoringKind<TransactionEnvelope, unknown, Decision>, store);

    // Act
    const retried = await scoreBatch(itemsOf([txn('lost', 'racer', ARRIVAL - 50 * SECOND, 10)]), TXN_KIND, deps(store));

    // Assert: one commit fewer since and it would be applied (see the crash tests above).
    expect(outcomesOf(retried)).toEqual(['lost:duplicate']);
  });
});

describe('errors: retry what can succeed, quarantine what never will, never punish a neighbour', () => {
  it('rejects the event whose decision DynamoDB refuses, and applies its neighbours without it', async () => {
    // Arrange: DynamoDB refuses what t1 makes; t0 and t2 are the same user's, u2's is another user's.
    const store = new RefusingStore(new Set(['t1']));
    const events = [txn('t0', 'u', ARRIVAL - 3 * SECOND, 2), txn('t1', 'u', ARRIVAL - 2 * SECOND, 2), txn('t2', 'u', ARRIVAL - SECOND, 2)];

    // Act
    const scoring = await scoreBatch(itemsOf([...events, txn('n0', 'u2', ARRIVAL - SECOND, 50)]), TXN_KIND, deps(store));

    // Assert
    const state = (await store.loadStates<UserLast>(EntityType.user, ['u'])).get('u');
    expect(scoring.outcomes.map((o) => o.status)).toEqual(['applied', 'rejected', 'applied', 'applied']);
    expect(scoring.outcomes[1]).toMatchObject({ reason: expect.stringMatching(/Number underflow/) });
    expect(countOf(state)).toBe(2);
    expect(store.decisions.has('t1')).toBe(false);
  });

  it('rejects the events of an entity whose item DynamoDB refuses, and commits the other entities', async () => {
    // Arrange
    const store = new RefusingStore(new Set(), new Set(['hot']));

    // Act
    const scoring = await scoreBatch(
      itemsOf([txn('h0', 'hot', ARRIVAL - 2 * SECOND, 5), txn('c0', 'calm', ARRIVAL - SECOND, 5)]),
      TXN_KIND,
      deps(store),
    );

    // Assert
    expect(scoring.outcomes.map((o) => o.status)).toEqual(['rejected', 'applied']);
    expect(scoring.outcomes[0]).toMatchObject({ reason: expect.stringMatching(/Item size has exceeded/) });
  });

  it('stops the batch on a configuration error instead of failing records one by one', async () => {
    // Arrange
    const store = new RefusingStore(
      new Set(),
      new Set(),
      new ConfigurationError('DynamoDB BatchGetItem failed: ResourceNotFoundException'),
    );

    // Act
    const scoring = scoreBatch(itemsOf([txn('x', 'u', ARRIVAL, 5)]), TXN_KIND, deps(store));

    // Assert
    await expect(scoring).rejects.toBeInstanceOf(ConfigurationError);
  });
});

/** The in-memory store, refusing what a test names the way DynamoDB does (record errors), or failing its reads. */
class RefusingStore extends MemoryStateStore {
  constructor(
    private readonly refusedEvents: ReadonlySet<string>,
    private readonly refusedEntities: ReadonlySet<string> = new Set(),
    private readonly readError?: Error,
  ) {
    super();
  }

  override async loadBatch<Last>(type: EntityType, entityIds: readonly string[], events: readonly EventRef[]) {
    if (this.readError) throw this.readError;
    return super.loadBatch<Last>(type, entityIds, events);
  }

  override async writeEffects(effects: Effects): Promise<void> {
    const refused = effects.records.filter((r) => this.refusedEvents.has(r.eventId));
    if (refused.length > 0) {
      const error = new RecordError('DynamoDB refused PutItem (ValidationException: Number underflow)');
      throw new RefusedItemsError(refused.map((r) => ({ eventIds: [r.eventId], error })));
    }
    return super.writeEffects(effects);
  }

  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const refused = commits.filter((c) => this.refusedEntities.has(c.id));
    const outcomes = await super.commitStates(commits.filter((c) => !this.refusedEntities.has(c.id)));
    for (const c of refused) {
      outcomes.set(c.id, {
        status: 'failed',
        error: new RecordError('DynamoDB refused PutItem (Item size has exceeded the maximum allowed size)'),
      });
    }
    return outcomes;
  }
}
