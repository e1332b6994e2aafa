import { createHash } from 'node:crypto';
import type { Severity } from './alerts';
import { SEVERITY_ORDER } from './alerts';

/**
 * Incidents: what a person handles, instead of one alert per event. An incident is one entity and
 * one cause (a family of rules: "fraud" for a user, "temperature" for a device); it opens with the
 * first signal, escalates when the severity rises, reminds at most once per interval while nobody
 * acknowledged it, and resolves after a quiet period without signals. Each of those is a
 * transition, and transitions are what reach people.
 *
 * Pure and deterministic: the same signals and ticks in the same order give the same transitions
 * with the same ids (the incident's id comes from the event that opened it, a transition's from its
 * incident, its type and its number), so a replayed batch stores and sends no transition twice. Time
 * is what the caller says it is: an event's time for a signal, the clock for a tick.
 */

export interface IncidentSettings {
  /** Resolved once this long passed without a signal (ms). */
  readonly quietPeriod: number;
  /** At most one reminder per this long while open and not acknowledged (ms). */
  readonly remindEvery: number;
}

/** One alertable finding about an event, as an incident sees it. */
export interface Signal {
  readonly cause: string;
  readonly severity: Exclude<Severity, 'info'>;
  readonly eventId: string;
  readonly time: number;
  /** The value that made it (an amount, a temperature), for "worst value". */
  readonly value?: number;
  readonly reasons: readonly string[];
  /** When the stream took the event (epoch ms; absent where events have no arrival, as in `riskstream score`). */
  readonly arrival?: number;
}

export interface Incident {
  readonly id: string;
  readonly cause: string;
  readonly severity: Exclude<Severity, 'info'>;
  readonly openedAt: number;
  readonly lastSignalAt: number;
  /**
   * When the stream took the last signal (absent without arrival times). Time passing without
   * events is told by arrival (the sweep's clock), and this pairs it with the entity's own clock:
   * a device an hour behind is not quiet for an hour the moment the sweep looks.
   */
  readonly arrivedAt?: number;
  /**
   * The longest time between two of its entity's events while it was open, the one before it opened
   * included (ms), where that decides anything (see `silentFor`): a device that reports every 15
   * minutes is not back in range after 10 minutes of silence.
   */
  readonly gap?: number;
  readonly events: number;
  readonly worst?: number;
  /** The latest signal's reasons. */
  readonly reasons: readonly string[];
  /** When the last notification (open, escalation, reminder) was made. */
  readonly notifiedAt: number;
  /** How many reminders were made (absent: none; an incident lives in a hot entity's item, every byte is paid per write). */
  readonly reminders?: number;
  /** Acknowledged by an operator: no more reminders (escalations and the resolution still notify). */
  readonly acknowledgedAt?: number;
  /** Snoozed until then, by the stream's clock (an operator's wall time): transitions are still recorded, none is delivered. */
  readonly snoozedUntil?: number;
}

/** An entity's open incidents, by cause. */
export type OpenIncidents = Readonly<Record<string, Incident>>;

export const TransitionType = { opened: 'opened', escalated: 'escalated', reminded: 'reminded', resolved: 'resolved' } as const;
export type TransitionType = (typeof TransitionType)[keyof typeof TransitionType];

export interface Transition {
  /** Deterministic: the incident, the type and its number; the outbox stores it once. */
  readonly transitionId: string;
  readonly type: TransitionType;
  readonly at: number;
  /** False while the incident is snoozed: recorded, not sent. */
  readonly deliver: boolean;
  /** The incident as it stands after the transition. */
  readonly incident: Incident;
}

export interface IncidentStep {
  readonly incidents: OpenIncidents;
  readonly transitions: readonly Transition[];
}

const REASONS_KEPT = 5;

export function incidentId(entityKey: string, cause: string, openingEventId: string): string {
  return createHash('sha256').update(`incident\u0000${entityKey}\u0000${cause}\u0000${openingEventId}`).digest('base64url').slice(0, 22);
}

function transitionId(incident: Incident, type: TransitionType, number: string): string {
  return createHash('sha256').update(`${incident.id}\u0000${type}\u0000${number}`).digest('hex').slice(0, 32);
}

function rank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** `clock` is the stream's time (the arrival) where it differs from the entity's `at`: a snooze is an operator's wall time. */
function transition(incident: Incident, type: TransitionType, number: string, at: number, clock = at): Transition {
  const deliver = incident.snoozedUntil === undefined || incident.snoozedUntil <= clock;
  return { transitionId: transitionId(incident, type, number), type, at, deliver, incident };
}

/** One incident at `now`: resolved when quiet (undefined, with its transition), reminded when one is due. */
function passTime(
  incident: Incident,
  now: number,
  settings: IncidentSettings,
  signalling: boolean,
  quietAfter: number,
  clock: number,
): { incident: Incident | undefined; transition?: Transition } {
  if (!signalling && now - incident.lastSignalAt >= quietAfter) {
    // Numbered by its events: a resolution computed from other events is another transition.
    return { incident: undefined, transition: transition(incident, TransitionType.resolved, String(incident.events), now, clock) };
  }
  if (incident.acknowledgedAt === undefined && now - incident.notifiedAt >= settings.remindEvery) {
    const reminded = { ...incident, reminders: (incident.reminders ?? 0) + 1, notifiedAt: now };
    return { incident: reminded, transition: transition(reminded, TransitionType.reminded, String(reminded.reminders), now, clock) };
  }
  return { incident };
}

/**
 * Each incident's time passing. Mostly nothing is due: then the incidents given come back as they
 * are, and nothing is made (every event of an entity with an open incident comes here).
 */
function passTimeForAll(
  incidents: OpenIncidents,
  timeOf: (incident: Incident) => number,
  step: (incident: Incident, now: number) => ReturnType<typeof passTime>,
): IncidentStep {
  let next: Record<string, Incident> | undefined;
  let transitions: Transition[] | undefined;
  for (const cause in incidents) {
    const incident = incidents[cause] as Incident;
    const passed = step(incident, timeOf(incident));
    if (passed.transition) (transitions ??= []).push(passed.transition);
    if (next === undefined && passed.incident !== incident) next = causesBefore(incidents, cause);
    if (next !== undefined && passed.incident) next[cause] = passed.incident;
  }
  return { incidents: next ?? incidents, transitions: transitions ?? NO_TRANSITIONS };
}

/** The incidents of the causes before `cause`, in their order: what did not change until it. */
function causesBefore(incidents: OpenIncidents, cause: string): Record<string, Incident> {
  const before: Record<string, Incident> = {};
  for (const earlier in incidents) {
    if (earlier === cause) break;
    before[earlier] = incidents[earlier] as Incident;
  }
  return before;
}

const NO_TRANSITIONS: readonly Transition[] = Object.freeze([]);

/**
 * Time passing for an entity at an event's time: incidents quiet for the quiet period resolve;
 * open ones not acknowledged get their reminder when one is due. `signalling` names the causes the
 * event at `now` signals: those are not quiet, whatever the time since their last signal (an entity
 * that reports every 15 minutes is not back in range between its reports; resolving and reopening
 * on every report would page people twice an event).
 */
export function tick(
  incidents: OpenIncidents,
  now: number,
  settings: IncidentSettings,
  signalling: ReadonlySet<string> = new Set(),
  /** The stream's time of the event (its arrival), for snoozes; the event's time where there is none. */
  clock = now,
): IncidentStep {
  return passTimeForAll(
    incidents,
    () => now,
    (incident, at) => passTime(incident, at, settings, signalling.has(incident.cause), settings.quietPeriod, clock),
  );
}

/**
 * The entity's own time when the stream's clock reads `arrival`: its last signal's time plus what
 * passed since that signal arrived. An entity whose clock is off is judged by its own clock, as its
 * events are; an incident without an arrival time takes `arrival` as it is.
 */
export function entityTimeAt(incident: Incident, arrival: number): number {
  return incident.arrivedAt === undefined ? arrival : incident.lastSignalAt + Math.max(0, arrival - incident.arrivedAt);
}

/**
 * Time passing for an entity with no event (the sweep's control record, which arrived at
 * `arrival`): the same transitions as `tick`, each incident at its entity's time (entityTimeAt).
 */
export function tickAtArrival(incidents: OpenIncidents, arrival: number, settings: IncidentSettings): IncidentStep {
  return passTimeForAll(
    incidents,
    (incident) => entityTimeAt(incident, arrival),
    (incident, at) => passTime(incident, at, settings, false, silentFor(incident, settings), arrival),
  );
}

/** How many of its usual gaps between events an entity must miss before silence counts as quiet. */
export const SILENT_GAPS = 2;

/**
 * How long an entity must send nothing before its incident resolves without an event: the quiet
 * period, or twice its longest gap between events if that is longer. An event that does not
 * signal says the entity is back in range; silence says nothing, and a device that reports hot every
 * 15 minutes must not be resolved and reopened on every report (it was, 17 notifications in two
 * hours instead of 5).
 */
export function silentFor(incident: Incident, settings: IncidentSettings): number {
  return Math.max(settings.quietPeriod, SILENT_GAPS * (incident.gap ?? 0));
}

/**
 * When, by the stream's clock, time passing next changes something for these incidents (a
 * resolution or a reminder): what the sweep looks for. Undefined when none is open.
 */
export function nextDueAt(incidents: OpenIncidents, settings: IncidentSettings): number | undefined {
  let due: number | undefined;
  for (const cause in incidents) {
    const incident = incidents[cause] as Incident;
    // The stream's clock when the entity's reads `time` (entityTimeAt's inverse).
    const arrivalAt = (time: number) => time - incident.lastSignalAt + (incident.arrivedAt ?? incident.lastSignalAt);
    let at = arrivalAt(incident.lastSignalAt + silentFor(incident, settings));
    if (incident.acknowledgedAt === undefined) at = Math.min(at, arrivalAt(incident.notifiedAt + settings.remindEvery));
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}

/**
 * A signal: opens its cause's incident, or adds to it and escalates it when the severity rose.
 * Time passing is the caller's `tick` first, with the event's causes as `signalling`. An incident
 * opened while its cause is snoozed on the entity (`snoozes`) starts snoozed.
 */
export function signal(entityKey: string, incidents: OpenIncidents, s: Signal, snoozes: Snoozes = {}): IncidentStep {
  const open = incidents[s.cause];
  const transitions: Transition[] = [];
  const arrival = s.arrival === undefined ? {} : { arrivedAt: s.arrival };
  const clock = s.arrival ?? s.time;
  let incident: Incident;
  if (open === undefined) {
    const snoozedUntil = snoozes[s.cause];
    incident = {
      id: incidentId(entityKey, s.cause, s.eventId),
      cause: s.cause,
      severity: s.severity,
      openedAt: s.time,
      lastSignalAt: s.time,
      ...arrival,
      events: 1,
      ...(s.value === undefined ? {} : { worst: s.value }),
      reasons: s.reasons.slice(0, REASONS_KEPT),
      notifiedAt: s.time,
      ...(snoozedUntil !== undefined && snoozedUntil > clock ? { snoozedUntil } : {}),
    };
    transitions.push(transition(incident, TransitionType.opened, '', s.time, clock));
  } else {
    const rises = rank(s.severity) > rank(open.severity);
    const worst = s.value === undefined ? open.worst : Math.max(open.worst ?? s.value, s.value);
    const latest = s.time >= open.lastSignalAt;
    // The arrival pairs with the latest signal's time, so entityTimeAt reads the entity's clock.
    const base: Incident = latest ? withoutArrival(open) : open;
    incident = {
      ...base,
      ...(latest ? arrival : {}),
      severity: rises ? s.severity : open.severity,
      lastSignalAt: Math.max(open.lastSignalAt, s.time),
      events: open.events + 1,
      ...(worst === undefined ? {} : { worst }),
      // The worst signal's reasons stand until one as bad comes.
      reasons: rank(s.severity) >= rank(open.severity) ? s.reasons.slice(0, REASONS_KEPT) : open.reasons,
      ...(rises ? { notifiedAt: s.time } : {}),
    };
    if (rises) transitions.push(transition(incident, TransitionType.escalated, incident.severity, s.time, clock));
  }
  return { incidents: { ...incidents, [s.cause]: incident }, transitions };
}

function withoutArrival(incident: Incident): Incident {
  if (incident.arrivedAt === undefined) return incident;
  const copy: { -readonly [K in keyof Incident]?: Incident[K] } = { ...incident };
  delete copy.arrivedAt;
  return copy as Incident;
}

/**
 * The incidents after an event that came `gap` after its entity's previous one: each keeps the
 * longest such gap, where it outlasts the quiet period's share (a hot entity's item pays for every byte).
 */
export function withEventGap(incidents: OpenIncidents, gap: number, settings: IncidentSettings): OpenIncidents {
  if (SILENT_GAPS * gap <= settings.quietPeriod) return incidents;
  let changed: Record<string, Incident> | undefined;
  for (const [cause, incident] of Object.entries(incidents)) {
    if (gap <= (incident.gap ?? 0)) continue;
    changed ??= { ...incidents };
    changed[cause] = { ...incident, gap };
  }
  return changed ?? incidents;
}

/** Causes an operator snoozed on an entity, until when (epoch ms): incidents of them open snoozed. */
export type Snoozes = Readonly<Record<string, number>>;

/**
 * An operator's word, as the CLI stores it: ack and resolve name the incident (an incident resolved
 * since, and one opened after it, are left alone: an action is applied again on every sweep of its
 * entity, so it must mean the same each time); snooze names the cause, for the incidents open and
 * any opened before `until`.
 */
export type OperatorAction =
  | { readonly action: 'ack'; readonly cause: string; readonly incident: string; readonly at: number }
  | { readonly action: 'resolve'; readonly cause: string; readonly incident: string; readonly at: number }
  | { readonly action: 'snooze'; readonly cause: string; readonly at: number; readonly until: number };

export interface OperatedStep extends IncidentStep {
  readonly snoozes: Snoozes;
}

/**
 * Applies an operator's action at `now` (the stream's time: the control record's arrival); applying
 * it again changes nothing, and a snooze that has run out by then is not started again.
 */
export function operate(incidents: OpenIncidents, snoozes: Snoozes, op: OperatorAction, now = op.at): OperatedStep {
  const open = incidents[op.cause];
  if (op.action === 'snooze') {
    if (snoozes[op.cause] === op.until || op.until <= now) return { incidents, snoozes, transitions: [] };
    const snoozed = open === undefined ? incidents : { ...incidents, [op.cause]: { ...open, snoozedUntil: op.until } };
    return { incidents: snoozed, snoozes: { ...snoozes, [op.cause]: op.until }, transitions: [] };
  }
  if (open === undefined || open.id !== op.incident) return { incidents, snoozes, transitions: [] };
  if (op.action === 'ack') {
    if (open.acknowledgedAt !== undefined) return { incidents, snoozes, transitions: [] };
    return { incidents: { ...incidents, [op.cause]: { ...open, acknowledgedAt: op.at } }, snoozes, transitions: [] };
  }
  const rest = Object.fromEntries(Object.entries(incidents).filter(([cause]) => cause !== op.cause));
  return { incidents: rest, snoozes, transitions: [transition(open, TransitionType.resolved, String(open.events), op.at)] };
}

/** The snoozes still running at `now` (the others are forgotten, so an entity item keeps none for long). */
export function runningSnoozes(snoozes: Snoozes | undefined, now: number): Snoozes | undefined {
  if (snoozes === undefined) return undefined;
  const running = Object.entries(snoozes).filter(([, until]) => until > now);
  return running.length === 0 ? undefined : Object.fromEntries(running);
}
