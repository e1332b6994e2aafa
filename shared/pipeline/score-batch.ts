import type { Alert } from '../domain/alerts';
import type { EntityBatchResult, EntityModel } from '../domain/entity-engine';
import { applyEntityBatch } from '../domain/entity-engine';
import type { EntityState } from '../domain/entity-state';
import { emptyState, stateExpiry } from '../domain/entity-state';
import type { AnyEnvelope } from '../domain/events';
import type { Decision } from '../domain/fraud-rules';
import type { CommitMode, Effects, EntityCommit, EntityType, StateStore } from '../state/store';
import { TransientStoreError } from '../state/store';

/** One validated event and the identifier Lambda wants back if it fails (the sequence number). */
export interface ScoringItem<E extends AnyEnvelope> {
  readonly recordId: string;
  readonly envelope: E;
}

export type ItemOutcome<E extends AnyEnvelope, R> =
  | { readonly recordId: string; readonly status: 'applied' | 'late'; readonly envelope: E; readonly result: R }
  | { readonly recordId: string; readonly status: 'duplicate'; readonly envelope: E }
  | { readonly recordId: string; readonly status: 'failed'; readonly envelope: E; readonly error: Error };

/** What differs between transactions and readings. */
export interface ScoringKind<E extends AnyEnvelope, Last, R> {
  readonly entityType: EntityType;
  readonly model: EntityModel<E, Last, R>;
  /** The decision to store for a scored event, if this kind stores decisions. */
  decisionOf?(result: R): Decision;
}

export interface ScoreBatchDeps {
  readonly store: StateStore;
  readonly commitMode: CommitMode;
  /** How many times an entity is recomputed after losing a conditional write to another writer. */
  readonly maxConflictRetries?: number;
  /** Wall clock, for TTLs only (never for what is scored or alerted). */
  readonly now?: () => number;
}

export interface BatchScoring<E extends AnyEnvelope, R> {
  /** In the order of the input items. */
  readonly outcomes: ReadonlyArray<ItemOutcome<E, R>>;
  /** Alerts written to the outbox for events that were applied or late (not duplicates). */
  readonly alerts: readonly Alert[];
  readonly conflicts: number;
}

/**
 * Scores one batch with one round of reads and writes, however many records it holds:
 * 1. read the state of every entity the batch touches (BatchGetItem, 100 keys a request);
 * 2. apply each entity's events in order, in memory (the ids in the panes skip duplicates);
 * 3. store what the events cause — decisions and alerts — idempotently;
 * 4. commit the entity states, which record the applied ids: the commit record comes last, so a
 *    crash anywhere before it repeats only idempotent writes, and a crash after it skips the
 *    events as duplicates. An entity that lost a conditional write is recomputed from the state
 *    that won (returned by the failed write itself) and tried again.
 * A store error in steps 1 and 3 fails every record (the batch is retried whole); a failed
 * commit fails only that entity's records.
 */
export async function scoreBatch<E extends AnyEnvelope, Last, R>(
  items: ReadonlyArray<ScoringItem<E>>,
  kind: ScoringKind<E, Last, R>,
  deps: ScoreBatchDeps,
): Promise<BatchScoring<E, R>> {
  const groups = groupByEntity(items);
  const outcomes = new Map<ScoringItem<E>, ItemOutcome<E, R>>();
  const alerts: Alert[] = [];
  let conflicts = 0;

  let states: Map<string, EntityState<Last>>;
  try {
    states = await deps.store.loadStates<Last>(kind.entityType, [...groups.keys()]);
  } catch (error) {
    return failAll(items, error, alerts);
  }

  let pending = [...groups.keys()];
  const maxRounds = 1 + (deps.maxConflictRetries ?? 5);
  for (let round = 0; round < maxRounds && pending.length > 0; round++) {
    const computed = new Map<string, EntityBatchResult<E, Last, R>>();
    for (const entity of pending) {
      const group = groups.get(entity) ?? [];
      computed.set(
        entity,
        applyEntityBatch(
          kind.model,
          states.get(entity) ?? emptyState<Last>(),
          group.map((item) => item.envelope),
        ),
      );
    }

    let effects: Effects & { lateDuplicates: Set<string> };
    try {
      effects = await collectEffects(kind, computed, deps.store);
      await deps.store.writeEffects(effects);
    } catch (error) {
      if (!(error instanceof TransientStoreError)) throw error;
      for (const entity of pending) for (const item of groups.get(entity) ?? []) outcomes.set(item, failed(item, error));
      pending = [];
      break;
    }

    const commits: Array<EntityCommit<Last>> = [];
    for (const [entity, result] of computed) {
      const base = states.get(entity) ?? emptyState<Last>();
      if (result.changed) {
        commits.push({
          type: kind.entityType,
          id: entity,
          basedOn: base.version,
          state: result.state,
          expiresAt: stateExpiry(result.state, kind.model.timing, (deps.now ?? Date.now)()),
        });
      }
    }
    const committed = await deps.store.commitStates(commits, deps.commitMode);

    const retry: string[] = [];
    for (const [entity, result] of computed) {
      const outcome = committed.get(entity);
      const group = groups.get(entity) ?? [];
      if (outcome?.status === 'conflict') {
        conflicts++;
        states.set(entity, outcome.current);
        retry.push(entity);
        continue;
      }
      if (outcome?.status === 'failed') {
        for (const item of group) outcomes.set(item, failed(item, outcome.error));
        continue;
      }
      group.forEach((item, i) => {
        const eventOutcome = result.outcomes[i];
        if (!eventOutcome) throw new Error(`engine returned no outcome for record ${item.recordId}`);
        outcomes.set(
          item,
          eventOutcome.status === 'duplicate' || effects.lateDuplicates.has(item.envelope.id)
            ? { recordId: item.recordId, status: 'duplicate', envelope: item.envelope }
            : { recordId: item.recordId, status: eventOutcome.status, envelope: item.envelope, result: eventOutcome.result },
        );
      });
      alerts.push(...[...effects.alerts, ...effects.lateAlerts].filter((a) => a.entity.id === entity));
    }
    pending = retry;
  }
  for (const entity of pending) {
    const error = new TransientStoreError(`state of ${kind.entityType} ${entity} kept changing under concurrent writers`);
    for (const item of groups.get(entity) ?? []) outcomes.set(item, failed(item, error));
  }
  return { outcomes: items.map((item) => outcomes.get(item) ?? failed(item, new Error('record was not processed'))), alerts, conflicts };
}

/**
 * Decisions and alerts of one round. A late event (its window already closed, its id no longer
 * kept) is a duplicate if its decision is already stored; otherwise it is scored but not counted.
 */
async function collectEffects<E extends AnyEnvelope, Last, R>(
  kind: ScoringKind<E, Last, R>,
  computed: ReadonlyMap<string, EntityBatchResult<E, Last, R>>,
  store: StateStore,
): Promise<Effects & { lateDuplicates: Set<string> }> {
  const outcomes = [...computed.values()].flatMap((r) => r.outcomes);
  const late = outcomes.filter((o) => o.status === 'late').map((o) => o.envelope.id);
  const lateDuplicates = kind.decisionOf && late.length > 0 ? await store.existingDecisions(late) : new Set<string>();
  const lateIds = new Set(late.filter((id) => !lateDuplicates.has(id)));
  const decisions: Decision[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'duplicate' || lateDuplicates.has(outcome.envelope.id)) continue;
    const decision = kind.decisionOf?.(outcome.result);
    if (decision) decisions.push(decision);
  }
  const alerts = [...computed.values()].flatMap((r) => r.alerts).filter((a) => !a.eventIds.some((id) => lateDuplicates.has(id)));
  const isLate = (a: Alert): boolean => a.eventIds.some((id) => lateIds.has(id));
  return { decisions, alerts: alerts.filter((a) => !isLate(a)), lateAlerts: alerts.filter(isLate), lateDuplicates };
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

function failAll<E extends AnyEnvelope, R>(items: ReadonlyArray<ScoringItem<E>>, error: unknown, alerts: Alert[]): BatchScoring<E, R> {
  if (!(error instanceof TransientStoreError)) throw error;
  return { outcomes: items.map((item) => failed<E, R>(item, error)), alerts, conflicts: 0 };
}
