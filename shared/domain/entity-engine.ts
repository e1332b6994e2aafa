import type { Alert, AlertKind } from './alerts';
import type { IncidentSettings, OpenIncidents, OperatorAction, Signal, Snoozes, Transition } from './incidents';
import { incidentNotification, nextDueAt, operate, runningSnoozes, signal, tick, tickAtArrival, withEventGap } from './incidents';
import type { EntityState, WindowTiming } from './entity-state';
import {
  advanceWatermark,
  applyToPane,
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
   * against what the entity is doing now, never against nothing, and `late` says so.
   */
  evaluate(envelope: E, state: EntityState<Last>, window: Pane, late: boolean): { readonly result: R; readonly alerts: readonly Alert[] };
  /**
   * The entity's last-seen facts after this event (called for applied events only), given the
   * entity's watermark after it: what no window that can still take events reaches may be forgotten.
   */
  remember(last: Last | undefined, envelope: E, watermark: number): Last;
  /** How the kind's findings become incidents; without it, the kind's alerts are all it sends. */
  readonly incidents?: IncidentHooks<E, R>;
}

/** What a kind tells the engine for its incidents. */
export interface IncidentHooks<E extends AnyEnvelope, R> {
  readonly settings: IncidentSettings;
  readonly kind: AlertKind;
  readonly entityType: Alert['entity']['type'];
  /** The signals of a judged event: none for an event that is fine, one per cause otherwise. */
  signalsOf(envelope: E, result: R): readonly Signal[];
}

/**
 * A late event's alert says so: its window had closed, so it was judged against the window at the
 * entity's watermark and counted in none (a person reading it must not take it for the current state).
 */
function saidLate(alert: Alert, watermark: number, timing: WindowTiming): Alert {
  const reason = `late: arrived after its window closed (allowed lateness ${formatDuration(timing.allowedLateness)}); judged against the window at ${new Date(watermark).toISOString()}, counted in none`;
  return { ...alert, reasons: [...alert.reasons, reason] };
}

/** An entity's incidents as the engine follows them. */
interface IncidentBook {
  incidents?: OpenIncidents;
  snoozed?: Snoozes;
  incidentsDue?: number;
}

/**
 * An applied event's effect on its entity's incidents: its time passing resolves the quiet ones
 * and reminds of the others, its signals open, add to or escalate them. The notifications are
 * alerts (incidentNotification), stored and sent like every alert. Late events leave incidents
 * alone: they count in no window, and their signal would need a commit without an applied event.
 */
function followIncidents<E extends AnyEnvelope, R>(
  hooks: IncidentHooks<E, R>,
  book: IncidentBook,
  envelope: E,
  result: R,
  /** The entity's latest event time before this event (null for its first). */
  previous: number | null,
): Alert[] {
  // Event time, as every rule reads it. (A clock running ahead can resolve an incident early: the
  // arrival would be the trusted time, as for the watermark, but a replay without arrival times,
  // such as `riskstream score` or the fault suite's reference, must reach the same transitions.)
  const time = envelope.time;
  const signals = hooks.signalsOf(envelope, result);
  if (signals.length === 0 && book.incidents === undefined) return [];
  const key = `${hooks.entityType}#${envelope.entity}`;
  // Snoozes are an operator's wall time: the stream's clock (the arrival) says when they run out.
  const clock = envelope.arrival ?? time;
  const snoozes = runningSnoozes(book.snoozed, clock);
  const passed = tick(book.incidents ?? {}, time, hooks.settings, new Set(signals.map((s) => s.cause)), clock);
  let incidents = passed.incidents;
  const transitions: Transition[] = [...passed.transitions];
  for (const s of signals) {
    const step = signal(key, incidents, envelope.arrival === undefined ? s : { ...s, arrival: envelope.arrival }, snoozes);
    incidents = step.incidents;
    transitions.push(...step.transitions);
  }
  if (previous !== null && envelope.time > previous) incidents = withEventGap(incidents, envelope.time - previous, hooks.settings);
  keep(book, hooks.settings, incidents, snoozes);
  return notificationsOf(hooks, envelope.entity, transitions, [envelope.id]);
}

function keep(book: IncidentBook, settings: IncidentSettings, incidents: OpenIncidents, snoozes: Snoozes | undefined): void {
  const open = Object.keys(incidents).length > 0;
  book.incidents = open ? incidents : undefined;
  book.snoozed = snoozes;
  book.incidentsDue = open ? nextDueAt(incidents, settings) : undefined;
}

/** The transitions people receive: a snoozed incident's are recorded in its state, not sent. */
function notificationsOf<E extends AnyEnvelope, R>(
  hooks: IncidentHooks<E, R>,
  entityId: string,
  transitions: readonly Transition[],
  eventIds: readonly string[],
): Alert[] {
  const entity = { type: hooks.entityType, id: entityId };
  return transitions.filter((t) => t.deliver).map((t) => incidentNotification(entity, hooks.kind, t, eventIds));
}

/** Time passing for one entity with no event, and operators' actions on its incidents (see `applyEntityControl`). */
export interface EntityControl {
  /** When the stream took the control record (epoch ms): the clock time passes by. */
  readonly arrival: number;
  readonly actions: readonly OperatorAction[];
}

/**
 * A control record for one entity: the operators' actions on its incidents, then time passing to
 * the record's arrival (quiet incidents resolve, due reminders go out). Pure, like
 * `applyEntityBatch`; the new state is a commit of its own, applying no event. Applied again (a
 * retry, a replay, a later sweep) it changes nothing more: actions name their incident, and time
 * that has passed once passes no further.
 */
export function applyEntityControl<E extends AnyEnvelope, Last, R>(
  model: EntityModel<E, Last, R>,
  initial: EntityState<Last>,
  entityId: string,
  control: EntityControl,
): { readonly state: EntityState<Last>; readonly changed: boolean; readonly notifications: readonly Alert[] } {
  const hooks = model.incidents;
  if (hooks === undefined) {
    // Incidents turned off for the kind: what an item kept of them goes, and with it the item's place in the sweep's index.
    if (!hasIncidentState(initial)) return { state: initial, changed: false, notifications: [] };
    return {
      state: withoutIncidentState({
        ...initial,
        version: initial.version + 1,
        recent: withCommit(initial.recent, initial.version + 1, []),
      }),
      changed: true,
      notifications: [],
    };
  }
  if (initial.incidents === undefined && control.actions.length === 0) return { state: initial, changed: false, notifications: [] };
  let incidents = initial.incidents ?? {};
  let snoozes = initial.snoozed ?? {};
  const transitions: Transition[] = [];
  for (const action of control.actions) {
    const step = operate(incidents, snoozes, action, control.arrival);
    ({ incidents, snoozes } = step);
    transitions.push(...step.transitions);
  }
  const passed = tickAtArrival(incidents, control.arrival, hooks.settings);
  transitions.push(...passed.transitions);
  const book: IncidentBook = {};
  keep(book, hooks.settings, passed.incidents, runningSnoozes(snoozes, control.arrival));
  const changed =
    transitions.length > 0 || JSON.stringify([book.incidents, book.snoozed]) !== JSON.stringify([initial.incidents, initial.snoozed]);
  if (!changed) return { state: initial, changed: false, notifications: [] };
  const state = withoutIncidentState({
    ...initial,
    version: initial.version + 1,
    recent: withCommit(initial.recent, initial.version + 1, []),
  });
  return {
    state: { ...state, ...withoutUndefined(book) },
    changed: true,
    notifications: notificationsOf(hooks, entityId, transitions, []),
  };
}

function hasIncidentState(state: EntityState<unknown>): boolean {
  return state.incidents !== undefined || state.snoozed !== undefined || state.incidentsDue !== undefined;
}

/** The state without its incidents, snoozes and due time (absent keys, not undefined ones: the item's attributes follow the keys). */
function withoutIncidentState<Last>(state: EntityState<Last>): EntityState<Last> {
  const copy: { -readonly [K in keyof EntityState<Last>]: EntityState<Last>[K] } = { ...state };
  delete copy.incidents;
  delete copy.snoozed;
  delete copy.incidentsDue;
  return copy;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
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
  const counters = Object.entries(model.counters ?? {});
  checkCounters(model.counters ?? {});
  const outcomes: Array<EventOutcome<E, R>> = [];
  const alerts: Alert[] = [];
  const notifications: Alert[] = [];
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
    // A late event's watermark is not null: something was applied after its pane.
    const window = windowAt(state, late ? (state.watermark as number) : envelope.time, model.timing);
    const judged = model.evaluate(envelope, state, window, late);
    alerts.push(...(late ? judged.alerts.map((a) => saidLate(a, state.watermark as number, model.timing)) : judged.alerts));
    if (late) {
      outcomes.push({ status: EventStatus.late, envelope, result: judged.result });
      continue;
    }
    const counted: string[] = [];
    for (const [name, holds] of counters) if (holds(envelope)) counted.push(name);
    applyToPane(state, { time: envelope.time, value: model.value(envelope), counted }, model.timing, applied.length > 0);
    const previous = state.watermark;
    advanceWatermark(state, envelope.time, envelope.arrival);
    state.last = model.remember(state.last, envelope, state.watermark as number); // not null: just advanced
    if (model.incidents) notifications.push(...followIncidents(model.incidents, state, envelope, judged.result, previous));
    applied.push(shortId);
    outcomes.push({ status: EventStatus.applied, envelope, result: judged.result });
  }
  if (applied.length === 0) return { state: initial, changed: false, outcomes, alerts, notifications };
  pruneClosedPanes(state, model.timing);
  // Incidents turned off for the kind: what the item kept of them goes (and its place in the sweep's index).
  if (!model.incidents) state.incidents = state.snoozed = state.incidentsDue = undefined;
  state.recent = withCommit(initial.recent, initial.version + 1, applied);
  return { state, changed: true, outcomes, alerts, notifications };
}
