import type { Alert, AlertKind } from './alerts';
import type { Transition, TransitionType } from './incidents';

const HEADLINE: Record<TransitionType, string> = {
  opened: 'Incident opened',
  escalated: 'Incident escalated',
  reminded: 'Incident still open',
  resolved: 'Incident resolved',
};

/**
 * A transition as the outbox stores it and publish-alerts sends it: an alert whose id is the
 * transition's, with the incident's figures, naming the event whose judgement made it (for a
 * reminder or a resolution, the event whose time showed the time passing; none when the sweep's
 * clock did).
 */
export function incidentNotification(entity: Alert['entity'], kind: AlertKind, t: Transition, eventIds: readonly string[]): Alert {
  const { incident } = t;
  const iso = (time: number) => new Date(time).toISOString();
  const events = `${incident.events} event${incident.events === 1 ? '' : 's'}`;
  return {
    alertId: t.transitionId,
    kind,
    severity: incident.severity,
    entity,
    summary: `${HEADLINE[t.type]}: ${incident.cause} on ${entity.id} (${incident.severity}, ${events})`,
    reasons: incident.reasons,
    eventIds,
    eventTime: iso(t.at),
    incident: {
      id: incident.id,
      cause: incident.cause,
      transition: t.type,
      events: incident.events,
      firstSeen: iso(incident.openedAt),
      lastSeen: iso(incident.lastSignalAt),
      ...(incident.worst === undefined ? {} : { worst: incident.worst }),
    },
  };
}
