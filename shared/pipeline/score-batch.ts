import type { Alert } from '../domain/alerts';
import type { EntityBatchResult, EntityModel } from '../domain/entity-engine';
import { applyEntityBatch } from '../domain/entity-engine';
import type { EntityState } from '../domain/entity-state';
import { emptyState, isLate, knowsCommitsSince, recentCommits, stateExpiry } from '../domain/entity-state';
import type { WindowTiming } from '../domain/entity-state';
import type { AnyEnvelope } from '../domain/events';
import { DEFAULT_MAX_EVENT_AGE_MS } from '../kinesis/records';
import type {
  CommitMode,
  Effects,
  EntityCommit,
  EntityType,
  EventRecord,
  EventRef,
  StateStore,
  StoredOutcome,
  StoredEvent,
} from '../state/store';
import { ConfigurationError, describeError, RecordError, RetryableError } from '../errors';
import { eventRefKey, NO_COMMIT, RefusedItemsError } from '../state/store';
import { namesOfEntityType } from '../kinds/names';

/** One validated event and the identifier Lambda wants back if it fails (the sequence number). */
export interface ScoringItem<E extends AnyEnvelope> {
  readonly recordId: string;
  readonly envelope: E;
}

export type ItemOutcome<E extends AnyEnvelope, R> =
  | { readonly recordId: string; readonly status: 'applied' | 'late'; readonly envelope: E; readonly result: R }
  | { readonly recordId: string; readonly status: 'duplicate'; readonly envelope: E }
  | { readonly recordId: string; readonly status: 'failed'; readonly envelope: E; readonly error: Error }
  /** DynamoDB will never take what this event makes (a record error): it goes to the quarantine with the reason. */
  | { readonly recordId: string; readonly status: 'rejected'; readonly envelope: E; readonly reason: string };

/** What differs between transactions and readings. */
export interface ScoringKind<E extends AnyEnvelope, Last, R> {
  readonly entityType: EntityType;
  readonly model: EntityModel<E, Last, R>;
  /** What is stored of a judged event (its record: see `EventRecord`). */
  recordOf(envelope: E, result: R): StoredOutcome;
  /** The outcome alone (a transaction's action, a reading's status): live and shadow compared. */
  outcome(result: R): string;
  /** What a record keeps of this scoring's judgement when it ran in shadow (the candidate's: see `shadow`). */
  shadowOf(envelope: E, result: R): object;
  /** The rules version the model was built from: stamped on every record, alert and notification it makes. */
  readonly rulesVersion?: number;
  /**
   * The scoring of another rules version, for an entity whose events an unfinished attempt judged
   * with it (see `unfinishedVersions`); undefined when that version is not stored.
   */
  atVersion?(rulesVersion: number): Promise<ScoringKind<E, Last, R> | undefined>;
  /**
   * The candidate rules' scoring, run in shadow: each event is judged by it too, against the same
   * state, and its judgement stored on the event's record (`shadow`) — no alert, no incident, no
   * state of its own. The live rules decide.
   */
  readonly shadow?: ScoringKind<E, Last, R>;
}

/** Alerts and notifications as stored: with the rules version that made them. */
export function stamped(alerts: readonly Alert[], rulesVersion: number | undefined): Alert[] {
  return rulesVersion === undefined ? [...alerts] : alerts.map((a) => ({ ...a, rulesVersion }));
}

export interface ScoreBatchDeps {
  readonly store: StateStore;
  readonly commitMode: CommitMode;
  /** How many times an entity is recomputed after losing a conditional write to another writer. */
  readonly maxConflictRetries?: number;
  /** Wall clock, for TTLs and the idempotency horizon only (never for what is scored or alerted). */
  readonly now?: () => number;
  /**
   * The idempotency horizon: at least how long after its arrival a record can be delivered again
   * (the streams' retention; a DLQ redrive reads the stream too). Entity items are kept that long
   * after their last window closes. Default: the decoder's oldest event (7 days and 10 minutes).
   */
  readonly horizonMs?: number;
}

export interface BatchScoring<E extends AnyEnvelope, R> {
  /** In the order of the input items. */
  readonly outcomes: ReadonlyArray<ItemOutcome<E, R>>;
  /** Alerts written to the outbox for events that were applied or late (not duplicates). */
  readonly alerts: readonly Alert[];
  /** Incident notifications written to the outbox by the applied events. */
  readonly notifications: readonly Alert[];
  readonly conflicts: number;
  /** Events the shadow judged otherwise than the live rules, by "live → shadow" outcome (action or status). */
  readonly shadowDisagreements: Readonly<Record<string, number>>;
}

/**
 * Scores one batch with one round of reads and writes, however many records it holds:
 * 1. read the state of every entity the batch touches, and the stored records of its events (one
 *    BatchGetItem, 100 keys a request);
 * 2. apply each entity's events in order, in memory (the ids of the entity's recent commits, and
 *    the stored records, skip duplicates: see `knownDuplicates`);
 * 3. store what the events cause — their records and alerts — idempotently;
 * 4. commit the entity states, which record the applied ids: the commit record comes last, so a
 *    crash anywhere before it repeats only idempotent writes, and a crash after it skips the
 *    events as duplicates. An entity that lost a conditional write is recomputed from the state
 *    that won (returned by the failed write itself, with the winner's ids as its newest commit)
 *    and tried again.
 * Errors by kind (shared/errors.ts): a retryable one in steps 1 and 3 fails every record (the batch
 * is retried whole), in step 4 only that entity's records; a record's (DynamoDB refuses what an
 * event makes) quarantines that event, and its entity is computed and written again without it; a
 * configuration error is thrown: nothing succeeds until a person fixes the deployment.
 */
export async function scoreBatch<E extends AnyEnvelope, Last, R>(
  items: ReadonlyArray<ScoringItem<E>>,
  kind: ScoringKind<E, Last, R>,
  deps: ScoreBatchDeps,
): Promise<BatchScoring<E, R>> {
  const groups = groupByEntity(items);
  const outcomes = new Map<ScoringItem<E>, ItemOutcome<E, R>>();
  const alerts: Alert[] = [];
  const notifications: Alert[] = [];
  const shadowDisagreements: Record<string, number> = {};
  let conflicts = 0;

  const now = (deps.now ?? Date.now)();
  const horizonMs = deps.horizonMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  let states: Map<string, EntityState<Last>>;
  let recorded: ReadonlyMap<string, StoredEvent>;
  let kinds: ReadonlyMap<string, ScoringKind<E, Last, R>>;
  try {
    ({ states, records: recorded } = await deps.store.loadBatch<Last>(kind.entityType, [...groups.keys()], uniqueRefs(items)));
    kinds = await unfinishedVersions(kind, groups, states, recorded, { now, horizonMs });
  } catch (error) {
    return failAll(items, error, alerts);
  }
  const kindOf = (entity: string) => kinds.get(entity) ?? kind;

  let pending = [...groups.keys()];
  const maxRounds = 1 + (deps.maxConflictRetries ?? 5);
  for (let round = 0; round < maxRounds && pending.length > 0; round++) {
    const computed = new Map<string, EntityBatchResult<E, Last, R>>();
    const shadows = new Map<string, EntityBatchResult<E, Last, R>>();
    for (const entity of pending) {
      const group = groups.get(entity) ?? [];
      const state = states.get(entity);
      const envelopes = group.map((item) => item.envelope);
      const { model, shadow } = kindOf(entity);
      const duplicates = knownDuplicates(envelopes, state, recorded, { now, horizonMs, timing: model.timing });
      computed.set(entity, applyEntityBatch(model, state ?? emptyState<Last>(), envelopes, duplicates));
      if (shadow) {
        const judged = inShadow(() => applyEntityBatch(shadow.model, state ?? emptyState<Last>(), envelopes, duplicates));
        if (judged) shadows.set(entity, judged);
      }
    }

    // Whether an alert of this round may be stored already: if an event with a stored record that
    // is not a duplicate (an unfinished commit) is judged again, or after a round that lost its
    // commit (its alerts and notifications were written: a blind write would overwrite one in
    // place, a MODIFY the outbox stream's reader never sends).
    const alertsMayBeStored =
      round > 0 ||
      [...computed.values()].some((r) => r.outcomes.some((o) => o.status !== 'duplicate' && recorded.has(refKeyOf(o.envelope))));
    let effects: Effects;
    try {
      effects = collectEffects(kindOf, computed, shadows, states, { now, horizonMs }, alertsMayBeStored);
      await deps.store.writeEffects(effects);
    } catch (error) {
      if (error instanceof RefusedItemsError) {
        // The refused events are quarantined; their entities are computed again without them.
        const reasons = new Map(error.refused.flatMap((r) => r.eventIds.map((id) => [id, describeError(r.error)] as const)));
        pending = pending.filter((entity) => rejectItems(groups, entity, reasons, outcomes));
        continue;
      }
      if (!(error instanceof RetryableError)) throw error;
      for (const entity of pending) for (const item of groups.get(entity) ?? []) outcomes.set(item, failed(item, error));
      pending = [];
      break;
    }

    const commits: Array<EntityCommit<Last>> = [];
    for (const [entity, result] of computed) {
      const base = states.get(entity) ?? emptyState<Last>();
      if (result.changed) commits.push(entityCommit(kindOf(entity), entity, base, result.state, { now, horizonMs }));
    }
    const committed = await deps.store.commitStates(commits, deps.commitMode);

    const retry: string[] = [];
    for (const [entity, result] of computed) {
      const outcome = committed.get(entity);
      const group = groups.get(entity) ?? [];
      if (outcome?.status === 'conflict' && !isOwnCommit(outcome.current, result.state)) {
        conflicts++;
        states.set(entity, outcome.current);
        retry.push(entity);
        continue;
      }
      if (outcome?.status === 'failed' && outcome.error instanceof ConfigurationError) throw outcome.error;
      if (outcome?.status === 'failed') {
        // An entity item DynamoDB refuses (too large, say) is its events' doing: they are quarantined.
        const reason = describeError(outcome.error);
        for (const item of group) {
          outcomes.set(item, outcome.error instanceof RecordError ? rejected(item, reason) : failed(item, outcome.error));
        }
        continue;
      }
      group.forEach((item, i) => {
        const eventOutcome = result.outcomes[i];
        if (!eventOutcome) throw new Error(`engine returned no outcome for record ${item.recordId}`);
        outcomes.set(
          item,
          eventOutcome.status === 'duplicate'
            ? { recordId: item.recordId, status: 'duplicate', envelope: item.envelope }
            : { recordId: item.recordId, status: eventOutcome.status, envelope: item.envelope, result: eventOutcome.result },
        );
      });
      for (const alert of effects.alerts)
        if (alert.entity.id === entity) (alert.incident === undefined ? alerts : notifications).push(alert);
      countDisagreements(shadowDisagreements, kind, result, shadows.get(entity));
    }
    pending = retry;
  }
  for (const entity of pending) {
    const error = new RetryableError(`state of ${kind.entityType} ${entity} kept changing under concurrent writers`);
    for (const item of groups.get(entity) ?? []) outcomes.set(item, failed(item, error));
  }
  return {
    outcomes: items.map((item) => outcomes.get(item) ?? failed(item, new Error('record was not processed'))),
    alerts,
    notifications,
    conflicts,
    shadowDisagreements,
  };
}

/**
 * The shadow's judgement, or nothing if judging threw: the candidate only watches, so a fault of its
 * own (a bug its settings reach) costs the shadow's record of these events, never the live scoring.
 */
function inShadow<T>(judge: () => T): T | undefined {
  try {
    return judge();
  } catch {
    return undefined;
  }
}

/** Adds the committed entity's events the shadow judged otherwise, by "live → shadow" outcome. */
function countDisagreements<E extends AnyEnvelope, Last, R>(
  counts: Record<string, number>,
  kind: ScoringKind<E, Last, R>,
  live: EntityBatchResult<E, Last, R>,
  shadow: EntityBatchResult<E, Last, R> | undefined,
): void {
  if (!shadow) return;
  live.outcomes.forEach((outcome, i) => {
    const judged = shadow.outcomes[i];
    if (outcome.status === 'duplicate' || !judged || judged.status === 'duplicate') return;
    const [from, to] = [kind.outcome(outcome.result), kind.outcome(judged.result)];
    if (from !== to) counts[`${from} → ${to}`] = (counts[`${from} → ${to}`] ?? 0) + 1;
  });
}

/**
 * Whether the state a conditional commit found is the one it tried to write: its own write landed,
 * but the answer was lost (a 5xx after the write, and the SDK's retry met its own version). Taken
 * for another writer's, the entity would be computed again from it, and a late event of the batch
 * judged again against the batch's own later events.
 */
function isOwnCommit(found: EntityState<unknown>, attempted: EntityState<unknown>): boolean {
  const [mine, theirs] = [recentCommits(attempted.recent).at(-1), recentCommits(found.recent).at(-1)];
  return (
    mine !== undefined &&
    theirs !== undefined &&
    found.version === mine.version &&
    theirs.version === mine.version &&
    theirs.ids.join(' ') === mine.ids.join(' ')
  );
}

/** An entity's new state as the store commits it: checked against the version it was computed from, kept past its windows for the horizon. */
export function entityCommit<E extends AnyEnvelope, Last, R>(
  kind: ScoringKind<E, Last, R>,
  entity: string,
  base: EntityState<Last>,
  state: EntityState<Last>,
  { now, horizonMs }: { now: number; horizonMs: number },
): EntityCommit<Last> {
  return {
    type: kind.entityType,
    id: entity,
    basedOn: base.version,
    state,
    expiresAt: stateExpiry(state, kind.model.timing, now, horizonMs),
  };
}

/**
 * Event records and alerts of one round. Each record carries the version of its entity it was judged
 * at: the entity item is committed after it, and `knownDuplicates` tells from that version whether
 * the commit happened. Readings' records are kept as long as their device's item; decisions for the
 * decisions' retention. Alerts of late events go out only if new.
 */
function collectEffects<E extends AnyEnvelope, Last, R>(
  kindOf: (entity: string) => ScoringKind<E, Last, R>,
  computed: ReadonlyMap<string, EntityBatchResult<E, Last, R>>,
  shadows: ReadonlyMap<string, EntityBatchResult<E, Last, R>>,
  states: ReadonlyMap<string, EntityState<Last>>,
  { now, horizonMs }: { now: number; horizonMs: number },
  alertsMayBeStored: boolean,
): Effects {
  const records: EventRecord[] = [];
  const alerts: Alert[] = [];
  for (const [entity, result] of computed) {
    const kind = kindOf(entity);
    const version = states.get(entity)?.version ?? 0;
    const keepUntil = namesOfEntityType(kind.entityType).record.keptWithEntity
      ? { expiresAt: stateExpiry(result.state, kind.model.timing, now, horizonMs) }
      : {};
    // The shadow judged the same events in the same order: its outcomes line up with the live ones.
    const shadowOutcomes = shadows.get(entity)?.outcomes;
    result.outcomes.forEach((outcome, i) => {
      if (outcome.status === 'duplicate') return;
      const shadow = shadowOutcomes?.[i];
      records.push({
        type: kind.entityType,
        entityId: outcome.envelope.entity,
        eventId: outcome.envelope.id,
        outcome: kind.recordOf(outcome.envelope, outcome.result),
        basedOn: outcome.status === 'late' ? NO_COMMIT : version,
        decidedAt: now,
        ...(kind.rulesVersion === undefined ? {} : { rulesVersion: kind.rulesVersion }),
        ...(shadow && shadow.status !== 'duplicate' && kind.shadow
          ? { shadow: { rulesVersion: kind.shadow.rulesVersion, outcome: kind.shadow.shadowOf(shadow.envelope, shadow.result) } }
          : {}),
        ...keepUntil,
      });
    });
    // Notifications go to the outbox like alerts: same ids on a retry, same conditional writes.
    alerts.push(...stamped([...result.alerts, ...result.notifications], kind.rulesVersion));
  }
  return { records, alerts, alertsMayBeStored };
}

/**
 * The entities to judge with another rules version than the live one: those with an event an
 * earlier attempt judged and stored (its record and alerts written) but never committed, under the
 * version that attempt had. Judged again under the live version, the event's stored decision would
 * be overwritten while the alerts of the first judgement stay in the outbox, and may be sent already
 * (a retry after a promotion); judged with the version it had, it gets the same decision and alert
 * ids, so the retry repeats only idempotent writes. The entity's other events of the batch go with
 * it: an entity is judged with one version, as it was in that attempt.
 */
async function unfinishedVersions<E extends AnyEnvelope, Last, R>(
  kind: ScoringKind<E, Last, R>,
  groups: ReadonlyMap<string, ReadonlyArray<ScoringItem<E>>>,
  states: ReadonlyMap<string, EntityState<Last>>,
  recorded: ReadonlyMap<string, StoredEvent>,
  { now, horizonMs }: { now: number; horizonMs: number },
): Promise<Map<string, ScoringKind<E, Last, R>>> {
  const kinds = new Map<string, ScoringKind<E, Last, R>>();
  if (kind.rulesVersion === undefined || !kind.atVersion) return kinds;
  for (const [entity, group] of groups) {
    const unfinished = group
      .map(({ envelope }) => recorded.get(refKeyOf(envelope)))
      .find(
        (stored) =>
          stored?.rulesVersion !== undefined &&
          stored.rulesVersion !== kind.rulesVersion &&
          neverCommitted(stored, states.get(entity), { now, horizonMs, timing: kind.model.timing }),
      );
    if (unfinished?.rulesVersion === undefined) continue;
    const earlier = await kind.atVersion(unfinished.rulesVersion);
    if (earlier) kinds.set(entity, earlier);
  }
  return kinds;
}

/**
 * The events of one entity that a stored record shows were applied before: its stored record
 * wins, whatever the state says (the event's window may have closed, its commit may have left the
 * recent ones, or its entity item may have expired since). Records are written before the entity
 * item, which is the commit record, so a stored record may belong to a commit that never happened
 * (the process died in between; in `conditional` mode another writer may even have committed
 * since). The state tells while it can: a record whose id is in none of the recent commits (the
 * engine looks there first) when they hold every commit since the record's version was never
 * committed, and its event is applied now, if its window is still open. When older commits were
 * dropped it cannot tell, and the record wins: that miscounts only an event whose commit failed and
 * whose entity's later commits pushed that version out of the recent ones (RECENT_LIMITS) before
 * the event came back. Without an entity item, a record younger than the horizon never committed:
 * TTL deletes an item only the horizon after its last commit. A late event's record needs no commit,
 * as long as its event is late against the stored state too (else the batch that judged it late
 * never committed the events that made it so).
 */
function knownDuplicates<E extends AnyEnvelope>(
  envelopes: readonly E[],
  state: EntityState<unknown> | undefined,
  recorded: ReadonlyMap<string, StoredEvent>,
  { now, horizonMs, timing }: { now: number; horizonMs: number; timing: WindowTiming },
): Set<string> {
  const duplicates = new Set<string>();
  for (const envelope of envelopes) {
    // Records are the entity's own (keyed by entity and id): another user's transaction under the
    // same id (two producers, or one planting ids it expects others to use) is another record.
    const stored = recorded.get(refKeyOf(envelope));
    if (!stored) continue;
    if (!neverCommitted(stored, state, { now, horizonMs, timing })) duplicates.add(envelope.id);
  }
  return duplicates;
}

function neverCommitted(
  stored: StoredEvent,
  state: EntityState<unknown> | undefined,
  { now, horizonMs, timing }: { now: number; horizonMs: number; timing: WindowTiming },
): boolean {
  if (now - stored.decidedAt >= horizonMs) return false;
  // A commit keeps its entity item at least the horizon (stateExpiry): a younger record without one never committed.
  if (state === undefined) return stored.basedOn !== NO_COMMIT;
  if (isLate(state, stored.eventTime, timing)) return false;
  // Judged late, yet on time against the stored state: judged against a working state (an earlier
  // event of its batch moved the watermark) that was never committed.
  if (stored.basedOn === NO_COMMIT) return true;
  return knowsCommitsSince(state, stored.basedOn);
}

function refKeyOf(envelope: AnyEnvelope): string {
  return eventRefKey({ entityId: envelope.entity, eventId: envelope.id });
}

function uniqueRefs<E extends AnyEnvelope>(items: ReadonlyArray<ScoringItem<E>>): EventRef[] {
  const refs = new Map(items.map(({ envelope }) => [refKeyOf(envelope), { entityId: envelope.entity, eventId: envelope.id }]));
  return [...refs.values()];
}

function groupByEntity<E extends AnyEnvelope>(items: ReadonlyArray<ScoringItem<E>>): Map<string, Array<ScoringItem<E>>> {
  const groups = new Map<string, Array<ScoringItem<E>>>();
  for (const item of items) {
    const group = groups.get(item.envelope.entity);
    if (group) group.push(item);
    else groups.set(item.envelope.entity, [item]);
  }
  return groups;
}

function failed<E extends AnyEnvelope, R>(item: ScoringItem<E>, error: Error): ItemOutcome<E, R> {
  return { recordId: item.recordId, status: 'failed', envelope: item.envelope, error };
}

function rejected<E extends AnyEnvelope, R>(item: ScoringItem<E>, reason: string): ItemOutcome<E, R> {
  return { recordId: item.recordId, status: 'rejected', envelope: item.envelope, reason };
}

/** Marks the entity's items whose events were refused and drops them from its group; false when none is left. */
function rejectItems<E extends AnyEnvelope, R>(
  groups: Map<string, Array<ScoringItem<E>>>,
  entity: string,
  reasons: ReadonlyMap<string, string>,
  outcomes: Map<ScoringItem<E>, ItemOutcome<E, R>>,
): boolean {
  const kept: Array<ScoringItem<E>> = [];
  for (const item of groups.get(entity) ?? []) {
    const reason = reasons.get(item.envelope.id);
    if (reason === undefined) kept.push(item);
    else outcomes.set(item, rejected(item, reason));
  }
  groups.set(entity, kept);
  return kept.length > 0;
}

/** A read failed: a retryable error fails every record (the batch comes again); any other kind stops the batch. */
function failAll<E extends AnyEnvelope, R>(items: ReadonlyArray<ScoringItem<E>>, error: unknown, alerts: Alert[]): BatchScoring<E, R> {
  if (!(error instanceof RetryableError)) throw error;
  return { outcomes: items.map((item) => failed<E, R>(item, error)), alerts, notifications: [], conflicts: 0, shadowDisagreements: {} };
}
