import type { Alert, AlertKind } from './alerts';
import type { AnyEnvelope } from './events';
import type { IncidentSettings, OpenIncidents, Signal, Snoozes, Transition } from './incidents';
import { NO_ALERTS } from './alerts';
import { incidentNotification } from './incident-notifications';
import { nextDueAt, runningSnoozes, signal, tick, withEventGap } from './incidents';

/**
 * An entity's incidents as the entity engine follows them, for events (followIncidents) and for
 * control records (entity-control.ts): the pure state machine of incidents.ts, applied to the
 * incidents, snoozes and due time an entity's item keeps.
 */

/** What a kind tells the engine for its incidents. */
export interface IncidentHooks<E extends AnyEnvelope, R> {
  readonly settings: IncidentSettings;
  readonly kind: AlertKind;
  readonly entityType: Alert['entity']['type'];
  /** The signals of a judged event: none for an event that is fine, one per cause otherwise. */
  signalsOf(envelope: E, result: R): readonly Signal[];
}

/** An entity's incidents as the engine follows them. */
export interface IncidentBook {
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
export function followIncidents<E extends AnyEnvelope, R>(
  hooks: IncidentHooks<E, R>,
  book: IncidentBook,
  envelope: E,
  result: R,
  /** The entity's latest event time before this event (null for its first). */
  previous: number | null,
): readonly Alert[] {
  // Event time, as every rule reads it. (A clock running ahead can resolve an incident early: the
  // arrival would be the trusted time, as for the watermark, but a replay without arrival times,
  // such as `riskstream score` or the fault suite's reference, must reach the same transitions.)
  const time = envelope.time;
  const signals = hooks.signalsOf(envelope, result);
  // Most events are fine and their entity has nothing open: nothing to follow, nothing made.
  if (signals.length === 0 && book.incidents === undefined) return NO_ALERTS;
  const key = `${hooks.entityType}#${envelope.entity}`;
  // Snoozes are an operator's wall time: the stream's clock (the arrival) says when they run out.
  const clock = envelope.arrival ?? time;
  const snoozes = runningSnoozes(book.snoozed, clock);
  const signalling = signals.length === 0 ? NO_CAUSES : new Set(signals.map((s) => s.cause));
  const passed = tick(book.incidents ?? {}, time, hooks.settings, signalling, clock);
  let incidents = passed.incidents;
  let transitions = passed.transitions;
  for (const s of signals) {
    const step = signal(key, incidents, envelope.arrival === undefined ? s : { ...s, arrival: envelope.arrival }, snoozes);
    incidents = step.incidents;
    if (step.transitions.length > 0) transitions = [...transitions, ...step.transitions];
  }
  if (previous !== null && envelope.time > previous) incidents = withEventGap(incidents, envelope.time - previous, hooks.settings);
  writeIncidents(book, hooks.settings, incidents, snoozes);
  return notificationsOf(hooks, envelope.entity, transitions, [envelope.id]);
}

const NO_CAUSES: ReadonlySet<string> = new Set();

/** Writes the entity's open incidents, its snoozes and when the sweep should next look at it into its book (the item to commit). */
export function writeIncidents(
  book: IncidentBook,
  settings: IncidentSettings,
  incidents: OpenIncidents,
  snoozes: Snoozes | undefined,
): void {
  const open = isAnyOpen(incidents);
  book.incidents = open ? incidents : undefined;
  book.snoozed = snoozes;
  book.incidentsDue = open ? nextDueAt(incidents, settings) : undefined;
}

function isAnyOpen(incidents: OpenIncidents): boolean {
  for (const _cause in incidents) return true;
  return false;
}

/** The transitions people receive: a snoozed incident's are recorded in its state, not sent. */
export function notificationsOf<E extends AnyEnvelope, R>(
  hooks: IncidentHooks<E, R>,
  entityId: string,
  transitions: readonly Transition[],
  eventIds: readonly string[],
): readonly Alert[] {
  if (transitions.length === 0) return NO_ALERTS;
  const entity = { type: hooks.entityType, id: entityId };
  return transitions.filter((t) => t.deliver).map((t) => incidentNotification(entity, hooks.kind, t, eventIds));
}
