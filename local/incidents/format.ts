import type { Incident, OperatorAction } from '../../shared/domain/incidents';
import type { EntityType } from '../../shared/state/store';
import { textTable } from '../text-table';

/**
 * How `riskstream incidents` shows incidents and operators' actions: pure functions of what the
 * operator read (open-incidents.ts), so the wording is tested without an emulator.
 */

/** An open incident with the entity it belongs to, as the state table holds it. */
export interface OpenIncident {
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly incident: Incident;
}

/** Whether an operator's action shows in the entity's state yet. */
export const ActionStatus = {
  /** Stored; the scorer has not applied it yet (it does when the control record that follows it reaches the entity's scorer). */
  pending: 'pending',
  applied: 'applied',
  /** Names an incident of the cause that is no longer open (resolved since); it changes nothing now. */
  closed: 'closed',
  /** A snooze whose time is over. */
  expired: 'expired',
} as const;
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

/** The entity's side an action is judged against: its open incidents by cause and its running snoozes. */
export interface EntityIncidentsView {
  readonly incidents: Readonly<Record<string, Incident>>;
  readonly snoozed?: Readonly<Record<string, number>>;
}

export function actionStatus(action: OperatorAction, entity: EntityIncidentsView, now: number): ActionStatus {
  if (action.action === 'snooze') {
    if (action.until <= now) return ActionStatus.expired;
    return entity.snoozed?.[action.cause] === action.until ? ActionStatus.applied : ActionStatus.pending;
  }
  const open = entity.incidents[action.cause];
  if (open === undefined || open.id !== action.incident) return action.action === 'resolve' ? ActionStatus.applied : ActionStatus.closed;
  if (action.action === 'ack') return open.acknowledgedAt === undefined ? ActionStatus.pending : ActionStatus.applied;
  return ActionStatus.pending;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `temperature on device sensor-17`: what a person recognises an incident by. */
export function incidentSubject(open: OpenIncident): string {
  return `${open.incident.cause} on ${open.entityType} ${open.entityId}`;
}

/** A snooze still running at `now`, else undefined (an expired one is no longer worth showing). */
function runningSnooze(incident: Incident, now: number): number | undefined {
  return incident.snoozedUntil !== undefined && incident.snoozedUntil > now ? incident.snoozedUntil : undefined;
}

const SEVERITY_FIRST: Record<Incident['severity'], number> = { critical: 0, warning: 1 };

/** Critical first, then the oldest first: the order a person works through them. */
export function byUrgency(a: OpenIncident, b: OpenIncident): number {
  return (
    SEVERITY_FIRST[a.incident.severity] - SEVERITY_FIRST[b.incident.severity] ||
    a.incident.openedAt - b.incident.openedAt ||
    a.incident.id.localeCompare(b.incident.id)
  );
}

const COLUMNS = [
  'INCIDENT',
  'ENTITY',
  'CAUSE',
  'SEVERITY',
  'EVENTS',
  'OPENED',
  'LAST SIGNAL',
  'ACKNOWLEDGED',
  'SNOOZED UNTIL',
  'WORST',
] as const;

function cells(open: OpenIncident, now: number): string[] {
  const { incident } = open;
  const snoozed = runningSnooze(incident, now);
  return [
    incident.id,
    `${open.entityType}/${open.entityId}`,
    incident.cause,
    incident.severity,
    String(incident.events),
    iso(incident.openedAt),
    iso(incident.lastSignalAt),
    incident.acknowledgedAt === undefined ? 'no' : iso(incident.acknowledgedAt),
    snoozed === undefined ? '-' : iso(snoozed),
    incident.worst === undefined ? '-' : String(incident.worst),
  ];
}

/** One aligned line per open incident under a header; "no open incidents" when there is none. */
export function incidentsTable(open: readonly OpenIncident[], now: number): string {
  if (open.length === 0) return 'no open incidents\n';
  const rows = [[...COLUMNS], ...[...open].sort(byUrgency).map((o) => cells(o, now))];
  return textTable(rows);
}

/** An incident as one JSON object, times in ISO 8601 (the `--json` form of list and show). */
export function incidentJson(open: OpenIncident, now: number): Record<string, unknown> {
  const { incident } = open;
  const snoozed = runningSnooze(incident, now);
  return {
    incidentId: incident.id,
    entityType: open.entityType,
    entityId: open.entityId,
    cause: incident.cause,
    severity: incident.severity,
    events: incident.events,
    openedAt: iso(incident.openedAt),
    lastSignalAt: iso(incident.lastSignalAt),
    ...(incident.arrivedAt === undefined ? {} : { arrivedAt: iso(incident.arrivedAt) }),
    ...(incident.worst === undefined ? {} : { worst: incident.worst }),
    reasons: incident.reasons,
    notifiedAt: iso(incident.notifiedAt),
    reminders: incident.reminders ?? 0,
    ...(incident.acknowledgedAt === undefined ? {} : { acknowledgedAt: iso(incident.acknowledgedAt) }),
    ...(snoozed === undefined ? {} : { snoozedUntil: iso(snoozed) }),
  };
}

export function incidentsJsonLines(open: readonly OpenIncident[], now: number): string {
  return [...open]
    .sort(byUrgency)
    .map((o) => `${JSON.stringify(incidentJson(o, now))}\n`)
    .join('');
}

/** `ack of incident X` / `snooze of temperature until T`: an action in a sentence. */
export function describeAction(action: OperatorAction): string {
  if (action.action === 'snooze') return `snooze of ${action.cause} until ${iso(action.until)}`;
  return `${action.action === 'ack' ? 'acknowledgement' : 'resolution'} of incident ${action.incident} (${action.cause})`;
}

const STATUS_TEXT: Record<ActionStatus, string> = {
  pending: 'pending: the pipeline applies it when its control record reaches the scorer (seconds while it runs)',
  applied: 'applied',
  closed: 'changes nothing: its incident is no longer open',
  expired: 'over',
};

/** Every field of an incident, one per line, and the operators' actions on its entity with their status. */
export function incidentDetails(open: OpenIncident, entity: EntityIncidentsView, actions: readonly OperatorAction[], now: number): string {
  const { incident } = open;
  const snoozed = runningSnooze(incident, now);
  const arrived = incident.arrivedAt === undefined ? '' : ` (the stream took it at ${iso(incident.arrivedAt)})`;
  const fields: Array<[string, string]> = [
    ['incident', incident.id],
    ['entity', `${open.entityType} ${open.entityId}`],
    ['cause', incident.cause],
    ['severity', incident.severity],
    ['events', String(incident.events)],
    ['opened', iso(incident.openedAt)],
    ['last signal', `${iso(incident.lastSignalAt)}${arrived}`],
    ['worst', incident.worst === undefined ? '-' : String(incident.worst)],
    ['notified', `${iso(incident.notifiedAt)} (${incident.reminders ?? 0} reminder${incident.reminders === 1 ? '' : 's'} so far)`],
    ['acknowledged', incident.acknowledgedAt === undefined ? 'no' : iso(incident.acknowledgedAt)],
    ['snoozed until', snoozed === undefined ? 'not snoozed' : iso(snoozed)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const reasons = incident.reasons.length === 0 ? ['  (none)'] : incident.reasons.map((r) => `  - ${r}`);
  const statuses = actions.map((a) => actionStatus(a, entity, now));
  const pending = statuses.filter((s) => s === ActionStatus.pending).length;
  const heading = `operators' actions on ${open.entityType} ${open.entityId}: ${actions.length === 0 ? 'none' : `${actions.length}, ${pending} pending`}`;
  const actionLines = actions.map((a, i) => `  ${iso(a.at)}  ${describeAction(a)}: ${STATUS_TEXT[statuses[i] ?? ActionStatus.pending]}`);
  return (
    [...fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`), 'reasons', ...reasons, heading, ...actionLines].join('\n') + '\n'
  );
}

/** What an operator's command did, in a sentence that says when it takes effect. */
export function actionDone(open: OpenIncident, action: OperatorAction): string {
  const subject = `(${incidentSubject(open)})`;
  const when = 'the pipeline applies it within seconds (a control record follows it into the stream)';
  switch (action.action) {
    case 'ack':
      return `acknowledged incident ${action.incident} ${subject}: reminders stop; ${when}\n`;
    case 'resolve':
      return `resolved incident ${action.incident} ${subject}: it closes and its resolution is notified; ${when}\n`;
    case 'snooze':
      return (
        `snoozed ${incidentSubject(open)} until ${iso(action.until)} (incident ${open.incident.id}, and any opened before then): ` +
        `its notifications are recorded, not sent; ${when}\n`
      );
  }
}
