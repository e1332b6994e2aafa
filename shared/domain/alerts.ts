import { createHash } from 'node:crypto';
import type { AlertEntityTypeName, AlertKindName } from '../kinds/names';
import { ALERT_KINDS } from '../kinds/names';

export const Severity = { info: 'info', warning: 'warning', critical: 'critical' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];
export const SEVERITY_ORDER: readonly Severity[] = [Severity.info, Severity.warning, Severity.critical];

/** The alert kinds (kinds/names.ts): a transaction's alerts are `fraud`, a reading's `sensor`, an order's join's `payment`. */
export const AlertKind = ALERT_KINDS;
export type AlertKind = AlertKindName;

export interface Alert {
  /** Same rule, entity and scope give the same id, so a retried batch stores (and sends) it once. */
  readonly alertId: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly entity: { readonly type: AlertEntityTypeName; readonly id: string };
  readonly summary: string;
  readonly reasons: readonly string[];
  /** The event that raised it. */
  readonly eventIds: readonly string[];
  /**
   * The earlier events its reasons rest on (a burst's other purchases, the reading before a jump),
   * as far as the entity remembers them (EVIDENCE_LIMIT): what a person checks beside the event.
   */
  readonly relatedEventIds?: readonly string[];
  /** Event time of the triggering event, ISO: alerts hold no wall-clock time, so a recomputed alert is identical. */
  readonly eventTime: string;
  /** Set on an incident's notification (a transition: see incidents.ts), which is what people receive. */
  readonly incident?: IncidentNotice;
  /** The rules version that judged it (rules-versions.ts); absent on alerts stored before rules had versions. */
  readonly rulesVersion?: number;
}

/** What a notification says of its incident. */
/** No alerts (what most events make): one shared empty list, frozen so that no one adds to it. */
export const NO_ALERTS: readonly Alert[] = Object.freeze([]);

export interface IncidentNotice {
  readonly id: string;
  readonly cause: string;
  readonly transition: 'opened' | 'escalated' | 'reminded' | 'resolved';
  readonly events: number;
  /** Event times, ISO. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly worst?: number;
}

/**
 * A short, stable id: what happened (kind), to whom (entity), where (an event id or a window) and
 * how bad (the severity is part of the scope: if an event is ever judged again against other state
 * and comes out worse, the escalation is a new alert, published, not a silent rewrite).
 */
export function alertId(kind: AlertKind, entityId: string, scope: string): string {
  return createHash('sha256').update(`${kind}\u0000${entityId}\u0000${scope}`).digest('hex').slice(0, 32);
}
