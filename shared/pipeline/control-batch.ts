import type { Alert } from '../domain/alerts';
import { applyEntityControl } from '../domain/entity-control';
import type { EntityState } from '../domain/entity-state';
import { emptyState } from '../domain/entity-state';
import type { AnyEnvelope } from '../domain/events';
import { DEFAULT_MAX_EVENT_AGE_MS } from '../kinesis/records';
import { CommitMode } from '../state/store';
import type { StateStore } from '../state/store';
import { RetryableError } from '../errors';
import type { ScoringKind } from './score-batch';
import { entityCommit, stamped } from './score-batch';

/** A control record as the scorer takes it (control-records.ts): its entity, and when the stream took it. */
export interface ControlItem {
  readonly recordId: string;
  readonly entity: string;
  readonly arrival: number;
}

export interface ControlBatchDeps {
  readonly store: StateStore;
  readonly maxConflictRetries?: number;
  /** Wall clock, for TTLs only. */
  readonly now?: () => number;
  readonly horizonMs?: number;
}

export interface ControlScoring {
  /** The control records to deliver again (their entity could not be read or written). */
  readonly failed: readonly string[];
  readonly notifications: readonly Alert[];
}

/**
 * Applies a batch's control records, after its events: for each entity, its operators' actions and
 * time passing to the latest control record's arrival (applyEntityControl), stored as its
 * events' effects are (notifications to the outbox first, then the entity's commit). Commits are
 * conditional whatever the deployment's mode: control records are few, and a check costs nothing
 * next to a state that would be lost. Notifications are written only if new, like alerts judged
 * again: a control record applied twice (a retry) finds its transitions stored.
 */
export async function applyControls<E extends AnyEnvelope, Last, R>(
  controls: readonly ControlItem[],
  kind: ScoringKind<E, Last, R>,
  deps: ControlBatchDeps,
): Promise<ControlScoring> {
  if (controls.length === 0) return { failed: [], notifications: [] };
  const byEntity = new Map<string, { arrival: number; recordIds: string[] }>();
  for (const c of controls) {
    const entry = byEntity.get(c.entity) ?? { arrival: c.arrival, recordIds: [] };
    entry.arrival = Math.max(entry.arrival, c.arrival);
    entry.recordIds.push(c.recordId);
    byEntity.set(c.entity, entry);
  }
  const now = (deps.now ?? Date.now)();
  const horizonMs = deps.horizonMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  const failed: string[] = [];
  const notifications: Alert[] = [];
  const failEntities = (entities: readonly string[]) => {
    for (const entity of entities) failed.push(...(byEntity.get(entity)?.recordIds ?? []));
  };

  let pending = [...byEntity.keys()];
  for (let round = 0; round < 1 + (deps.maxConflictRetries ?? 5) && pending.length > 0; round++) {
    try {
      const { states, actions } = await deps.store.loadControl<Last>(kind.entityType, pending);
      const computed = pending.map((entity) => {
        const state: EntityState<Last> = states.get(entity) ?? emptyState<Last>();
        const control = { arrival: byEntity.get(entity)?.arrival ?? now, actions: actions.get(entity) ?? [] };
        return { entity, base: state, result: applyEntityControl(kind.model, state, entity, control) };
      });
      const changed = computed.filter((c) => c.result.changed);
      await deps.store.writeEffects({
        records: [],
        alerts: stamped(
          changed.flatMap((c) => c.result.notifications),
          kind.rulesVersion,
        ),
        alertsMayBeStored: true,
      });
      const commits = changed.map(({ entity, base, result }) => entityCommit(kind, entity, base, result.state, { now, horizonMs }));
      const committed = await deps.store.commitStates(commits, CommitMode.conditional);
      const retry: string[] = [];
      for (const { entity, result } of changed) {
        const outcome = committed.get(entity);
        if (outcome?.status === 'committed') notifications.push(...result.notifications);
        else if (outcome?.status === 'conflict') retry.push(entity);
        else failEntities([entity]);
      }
      pending = retry;
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      failEntities(pending);
      pending = [];
    }
  }
  failEntities(pending);
  return { failed, notifications };
}
