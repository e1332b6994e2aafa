import type { Alert } from './alerts';
import type { EntityState, Pane, WindowTiming } from './entity-state';
import {
  advanceWatermark,
  applyToPane,
  EventStatus,
  isLate,
  paneAt,
  pruneClosedPanes,
  isRecent,
  withCommit,
  workingCopy,
} from './entity-state';
import type { AnyEnvelope } from './events';

export type EventOutcome<E extends AnyEnvelope, R> =
  | { readonly status: 'applied'; readonly envelope: E; readonly result: R }
  | { readonly status: 'late'; readonly envelope: E; readonly result: R }
  | { readonly status: 'duplicate'; readonly envelope: E };

export interface EntityBatchResult<E extends AnyEnvelope, Last, R> {
  readonly state: EntityState<Last>;
  /** False when every event was a duplicate or late: nothing needs writing back. */
  readonly changed: boolean;
  readonly outcomes: ReadonlyArray<EventOutcome<E, R>>;
  readonly alerts: readonly Alert[];
}

/** How one event kind plugs into the shared loop: what it counts, how it is judged, what it remembers. */
export interface EntityModel<E extends AnyEnvelope, Last, R> {
  readonly timing: WindowTiming;
  /** The id kept in the entity's recent commits: short, and unique within one entity. */
  shortId(envelope: E): string;
  value(envelope: E): number;
  small?(envelope: E): boolean;
  /**
   * Judges the event against the state before it. `pane` is the event's own window, or for a late
   * event (its window closed) the entity's current one: a late event is judged against what the
   * entity is doing now, never against nothing, and `late` says so.
   */
  evaluate(envelope: E, state: EntityState<Last>, pane: Pane, late: boolean): { readonly result: R; readonly alerts: readonly Alert[] };
  /** The entity's last-seen facts after this event (called for applied events only). */
  remember(last: Last | undefined, envelope: E): Last;
}

/**
 * Applies one entity's events, in order, to its state. Pure: the caller loads the state and
 * stores the result; the events change a working copy of it, never the state given. An event
 * applied before comes back `duplicate` (whatever its timestamp now says): its id is in one of the
 * state's recent commits, or the caller knows it from its stored record (`knownDuplicates`). One
 * whose window has closed comes back `late`, judged but never counted (see the store for its
 * alerts). The new state records this batch's applied ids as its newest commit.
 */
export function applyEntityBatch<E extends AnyEnvelope, Last, R>(
  model: EntityModel<E, Last, R>,
  initial: EntityState<Last>,
  envelopes: readonly E[],
  /** Event ids the caller knows were applied before (a stored record shows it): skipped, whatever the state says. */
  knownDuplicates: ReadonlySet<string> = new Set(),
): EntityBatchResult<E, Last, R> {
  const state = workingCopy(initial);
  const outcomes: Array<EventOutcome<E, R>> = [];
  const alerts: Alert[] = [];
  const applied: string[] = [];
  const seen = new Set<string>(); // ids judged earlier in this batch
  for (const envelope of envelopes) {
    const shortId = model.shortId(envelope);
    if (seen.has(shortId) || isRecent(initial, shortId) || knownDuplicates.has(envelope.id)) {
      outcomes.push({ status: EventStatus.duplicate, envelope });
      continue;
    }
    seen.add(shortId);
    const late = isLate(state, envelope.time, model.timing);
    const pane = (late ? currentPane(state, model) : paneAt(state, envelope.time, model.timing)) ?? EMPTY_PANE;
    const judged = model.evaluate(envelope, state, pane, late);
    alerts.push(...judged.alerts);
    if (late) {
      outcomes.push({ status: EventStatus.late, envelope, result: judged.result });
      continue;
    }
    const small = model.small?.(envelope) ?? false;
    applyToPane(state, { time: envelope.time, value: model.value(envelope), small }, model.timing);
    advanceWatermark(state, envelope.time, envelope.arrival);
    state.last = model.remember(state.last, envelope);
    applied.push(shortId);
    outcomes.push({ status: EventStatus.applied, envelope, result: judged.result });
  }
  if (applied.length === 0) return { state: initial, changed: false, outcomes, alerts };
  pruneClosedPanes(state, model.timing);
  state.recent = withCommit(initial.recent, initial.version + 1, applied);
  return { state, changed: true, outcomes, alerts };
}

/** The entity's features now: the pane its watermark falls in. */
function currentPane<E extends AnyEnvelope, Last, R>(state: EntityState<Last>, model: EntityModel<E, Last, R>): Pane | undefined {
  return state.watermark === null ? undefined : paneAt(state, state.watermark, model.timing);
}

const EMPTY_PANE: Pane = { count: 0, sum: 0, min: 0, max: 0, small: 0 };
