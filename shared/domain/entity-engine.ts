import type { Alert } from './alerts';
import { NO_ALERTS } from './alerts';
import type { IncidentHooks } from './entity-incidents';
import { followIncidents } from './entity-incidents';
import type { EntityState, WindowTiming, WorkingState } from './entity-state';
import {
  advanceWatermark,
  applyToPane,
  committedState,
  EventStatus,
  isLate,
  isRecent,
  pruneClosedPanes,
  windowAt,
  withCommit,
  workingCopy,
} from './entity-state';
import { formatDuration } from './duration';
import type { AnyEnvelope } from './events';
import type { Counters, Pane } from './panes';
import { checkCounters } from './panes';

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
  /** The incidents' notifications (alert-shaped: see incidentNotification), stored in the outbox beside the alerts. */
  readonly notifications: readonly Alert[];
}

/**
 * How many of its latest events a model may remember (in its last-seen facts) to name in an alert
 * beside the event that raised it; the alert's reasons give the full counts.
 */
export const EVIDENCE_LIMIT = 10;

/** How one event kind plugs into the shared loop: what it counts, how it is judged, what it remembers. */
export interface EntityModel<E extends AnyEnvelope, Last, R> {
  readonly timing: WindowTiming;
  /** The id kept in the entity's recent commits: short, and unique within one entity. */
  shortId(envelope: E): string;
  value(envelope: E): number;
  /** The counts its rules need beyond count, sum, min and max, kept per pane (see panes.ts). */
  readonly counters?: Counters<E>;
  /**
   * Judges the event against the state before it. `window` holds the figures of the window that
   * ends at the event (its last `timing.window`, summed from panes), without the event; for a late
   * event (its pane closed) the window that ends at the entity's watermark: a late event is judged
   * against what the entity is doing now, never against nothing, and `late` says so. The window is
   * read during the call, never kept: it may be the state's own pane, which the event then changes.
   */
  evaluate(
    envelope: E,
    state: Readonly<WorkingState<Last>>,
    window: Pane,
    late: boolean,
  ): { readonly result: R; readonly alerts: readonly Alert[] };
  /**
   * The entity's last-seen facts after this event (called for applied events only), given the
   * entity's watermark after it: what no window that can still take events reaches may be forgotten.
   */
  remember(last: Last | undefined, envelope: E, watermark: number): Last;
  /** How the kind's findings become incidents; without it, the kind's alerts are all it sends. */
  readonly incidents?: IncidentHooks<E, R>;
}

/**
 * A late event's alert says so: its window had closed, so it was judged against the window at the
 * entity's watermark and counted in none (a person reading it must not take it for the current state).
 */
function saidLate(alert: Alert, watermark: number, timing: WindowTiming): Alert {
  const reason = `late: arrived after its window closed (allowed lateness ${formatDuration(timing.allowedLateness)}); judged against the window at ${new Date(watermark).toISOString()}, counted in none`;
  return { ...alert, reasons: [...alert.reasons, reason] };
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
  const state = workingCopy(initial, model.timing.pane);
  const run = applyToWorkingState(
    model,
    state,
    envelopes,
    (shortId, envelope) => isRecent(initial, shortId) || knownDuplicates.has(envelope.id),
  );
  if (run.applied.length === 0) return { state: initial, changed: false, ...run.judged };
  state.recent = withCommit(initial.recent, initial.version + 1, run.applied);
  return { state: committedState(state), changed: true, ...run.judged };
}

/**
 * The loop of `applyEntityBatch` on a working state the caller owns, changed in place: for a caller
 * that keeps its entities in working form between batches (the in-memory scorer of `score` and
 * backtests), where copying the panes in and out for every batch is most of the cost. `applied`
 * lists the short ids of the events applied (recording them as a commit is the caller's);
 * `appliedBefore` says whether an event was applied in an earlier batch.
 */
export function applyToWorkingState<E extends AnyEnvelope, Last, R>(
  model: EntityModel<E, Last, R>,
  state: WorkingState<Last>,
  envelopes: readonly E[],
  appliedBefore: (shortId: string, envelope: E) => boolean,
): { readonly applied: readonly string[]; readonly judged: Omit<EntityBatchResult<E, Last, R>, 'state' | 'changed'> } {
  // Read once per batch: the kinds' models differ in shape, and every event would tell them apart again.
  const { timing, incidents } = model;
  const counters = counterList(model.counters);
  // One outcome per event, in its place: a list grown by push starts at 17 slots, and most batches
  // offline hold one event.
  const outcomes = new Array<EventOutcome<E, R>>(envelopes.length);
  // Most batches raise no alert: their lists are made when the first one comes.
  let alerts: Alert[] | undefined;
  let notifications: Alert[] | undefined;
  let applied: string[] | undefined;
  // The ids judged earlier in this batch; a batch of one event (most, offline) needs none.
  const seen = envelopes.length > 1 ? new Set<string>() : undefined;
  for (let n = 0; n < envelopes.length; n++) {
    const envelope = envelopes[n] as E;
    const shortId = model.shortId(envelope);
    if (seen?.has(shortId) || appliedBefore(shortId, envelope)) {
      outcomes[n] = { status: EventStatus.duplicate, envelope };
      continue;
    }
    seen?.add(shortId);
    const late = isLate(state, envelope.time, timing);
    // A late event's watermark is not null: something was applied after its pane.
    const window = windowAt(state, late ? (state.watermark as number) : envelope.time, timing);
    const judged = model.evaluate(envelope, state, window, late);
    for (const alert of judged.alerts) (alerts ??= []).push(late ? saidLate(alert, state.watermark as number, timing) : alert);
    if (late) {
      outcomes[n] = { status: EventStatus.late, envelope, result: judged.result };
      continue;
    }
    applyToPane(state, { time: envelope.time, value: model.value(envelope), counted: countersHolding(counters, envelope) }, timing);
    const previous = state.watermark;
    advanceWatermark(state, envelope.time, envelope.arrival);
    state.last = model.remember(state.last, envelope, state.watermark as number); // not null: just advanced
    if (incidents)
      for (const notification of followIncidents(incidents, state, envelope, judged.result, previous))
        (notifications ??= []).push(notification);
    if (applied === undefined) applied = [shortId];
    else applied.push(shortId);
    outcomes[n] = { status: EventStatus.applied, envelope, result: judged.result };
  }
  if (applied !== undefined) {
    pruneClosedPanes(state, timing);
    // Incidents turned off for the kind: what the item kept of them goes (and its place in the sweep's index).
    if (!incidents) state.incidents = state.snoozed = state.incidentsDue = undefined;
  }
  return {
    applied: applied ?? NOTHING_APPLIED,
    judged: { outcomes, alerts: alerts ?? NO_ALERTS, notifications: notifications ?? NO_ALERTS },
  };
}

/** A model's counters as a list, checked once per model: every batch goes through them. */
function counterList<E>(counters: Counters<E> | undefined): ReadonlyArray<[string, (event: E) => boolean]> {
  if (counters === undefined) return [];
  let list = counterLists.get(counters);
  if (list === undefined) {
    checkCounters(counters);
    list = Object.entries(counters);
    counterLists.set(counters, list);
  }
  return list as ReadonlyArray<[string, (event: E) => boolean]>;
}

const counterLists = new WeakMap<object, ReadonlyArray<[string, (event: never) => boolean]>>();

/** The names of the counters an event holds for; most events hold for none, and then no array is made. */
function countersHolding<E>(counters: ReadonlyArray<[string, (event: E) => boolean]>, envelope: E): readonly string[] {
  let names: string[] | undefined;
  for (const [name, holds] of counters) if (holds(envelope)) (names ??= []).push(name);
  return names ?? NOTHING_COUNTED;
}

const NOTHING_COUNTED: readonly string[] = Object.freeze([]);
const NOTHING_APPLIED: readonly string[] = Object.freeze([]);
