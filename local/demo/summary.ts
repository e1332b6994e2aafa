import type { LabelledEvent } from '../traffic/generator';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';

/** An alert as the demo's SQS subscriber of the alerts topic received it. */
export interface DeliveredAlert {
  readonly alertId: string;
  readonly severity: string;
  readonly eventIds: readonly string[];
  /** The earlier events the alert's reasons rest on (a burst's other purchases): flagged by it too. */
  readonly relatedEventIds?: readonly string[];
  /** When SQS took the message from SNS (its SentTimestamp), epoch ms. */
  readonly arrivedAt: number;
  readonly kind?: string;
  readonly entity?: string;
  readonly summary?: string;
  readonly reasons?: readonly string[];
  /** Set on an incident's notification: its transition (opened, escalated, reminded, resolved). */
  readonly transition?: string;
  /** Set on a digest (what a budget held back): the notifications it holds. */
  readonly digestOf?: readonly string[];
}

export interface Detection {
  readonly precision: number;
  readonly recall: number;
  /** Share of labelled anomaly scenarios with at least one of their events flagged. */
  readonly scenarioRecall: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly samples: number;
}

export interface DemoFigures {
  readonly eventsIn: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly decisionsByAction: Record<string, number>;
  /** Distinct alerts delivered to the demo's SQS subscriber, by severity, and how many arrived more than once. */
  readonly alertsBySeverity: Record<string, number>;
  /** Distinct incident notifications delivered (what people receive), by transition. */
  readonly notificationsByTransition: Record<string, number>;
  readonly repeatedDeliveries: number;
  /**
   * Against the generator's labels, for the scored kinds (orders are judged by their join's outcome);
   * an event counts as detected when an alert of severity warning or above names it (as its event or a related one).
   */
  readonly detection: Detection;
  /** From the put of an event to its alert's arrival at the subscriber, ms (the scorers' alerts: a join's may wait for its window by design). */
  readonly latencyMs: LatencySummary;
  /** Put → incident notification (what people receive), for notifications an event made. */
  readonly notificationLatencyMs: LatencySummary;
}

/** What one subscriber received: incident notifications on their own, and digests of what its budget held back. */
export interface ChannelFigure {
  readonly channel: string;
  /** `5 per 5m`; absent: every notification on its own. */
  readonly budget?: string;
  /** Distinct incident notifications received on their own. */
  readonly notifications: number;
  readonly digests: number;
  /** The notifications inside those digests. */
  readonly inDigests: number;
  /** Of the notifications people take (warning and above), those in no message yet: held for the window's end. */
  readonly waiting?: number;
}

/** A channel's figures from what its queue received; `peopleTake`: the notifications it would receive without a budget. */
export function channelFigure(
  channel: string,
  received: readonly DeliveredAlert[],
  options: { budget?: string; peopleTake?: number } = {},
): ChannelFigure {
  const all = [...distinctAlerts(received).values()];
  const notifications = all.filter((a) => a.transition !== undefined).length;
  const digests = all.filter((a) => a.digestOf !== undefined);
  const inDigests = digests.reduce((n, d) => n + (d.digestOf?.length ?? 0), 0);
  return {
    channel,
    ...(options.budget ? { budget: options.budget } : {}),
    notifications,
    digests: digests.length,
    inDigests,
    ...(options.peopleTake === undefined ? {} : { waiting: Math.max(0, options.peopleTake - notifications - inDigests) }),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The first delivery of each alert id. */
export function distinctAlerts(delivered: readonly DeliveredAlert[]): Map<string, DeliveredAlert> {
  const distinct = new Map<string, DeliveredAlert>();
  for (const alert of delivered) if (!distinct.has(alert.alertId)) distinct.set(alert.alertId, alert);
  return distinct;
}

export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);

/** Precision and recall of the delivered alerts (warning and above) against the generator's labels, over the scored kinds' events. */
export function detection(traffic: readonly LabelledEvent[], alerts: Iterable<DeliveredAlert>): Detection {
  // An incident's notification names the event that opened or escalated it: an alert named it already.
  const flagged = new Set(
    [...alerts]
      .filter((a) => a.severity !== 'info' && a.transition === undefined)
      .flatMap((a) => [...a.eventIds, ...(a.relatedEventIds ?? [])]),
  );
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  const scenarios = new Map<number, boolean>();
  for (const event of traffic) {
    // An order's label says what its join should end as (order-outcomes.ts), not whether an alert should name it.
    if (event.kind === ORDER_JOIN_NAMES.entityType) continue;
    const anomalous = event.label !== 'normal';
    const detected = flagged.has(event.id);
    if (detected && anomalous) truePositives++;
    else if (detected) falsePositives++;
    else if (anomalous) falseNegatives++;
    if (event.scenario !== undefined) scenarios.set(event.scenario, (scenarios.get(event.scenario) ?? false) || detected);
  }
  return {
    precision: ratio(truePositives, truePositives + falsePositives),
    recall: ratio(truePositives, truePositives + falseNegatives),
    scenarioRecall: ratio([...scenarios.values()].filter(Boolean).length, scenarios.size),
  };
}

export function summarize(
  traffic: readonly LabelledEvent[],
  putAt: ReadonlyMap<string, number>,
  delivered: readonly DeliveredAlert[],
  decisions: Record<string, number>,
  seconds: number,
): DemoFigures {
  const all = distinctAlerts(delivered);
  const distinct = new Map([...all].filter(([, a]) => a.transition === undefined));
  const notifications = [...all.values()].filter((a) => a.transition !== undefined);
  return {
    eventsIn: traffic.length,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(traffic.length / Math.max(seconds, 0.001)),
    decisionsByAction: decisions,
    alertsBySeverity: countBy(distinct.values(), (a) => a.severity),
    notificationsByTransition: countBy(notifications, (a) => a.transition ?? ''),
    repeatedDeliveries: delivered.length - all.size,
    detection: detection(traffic, distinct.values()),
    latencyMs: latencyFromPut(
      [...distinct.values()].filter((a) => a.kind !== ORDER_JOIN_NAMES.alertKind),
      putAt,
    ),
    notificationLatencyMs: latencyFromPut(notifications, putAt),
  };
}

/**
 * From the put of each event an alert names to the alert's arrival on the subscriber's queue. A
 * notification names the event that made it; one the sweep made (time passing) names none, and
 * counts in no latency.
 */
function latencyFromPut(alerts: Iterable<DeliveredAlert>, putAt: ReadonlyMap<string, number>): LatencySummary {
  const latencies = [...alerts]
    .flatMap((a) => a.eventIds.map((id) => (putAt.has(id) ? a.arrivedAt - (putAt.get(id) ?? 0) : undefined)))
    .filter((l): l is number => l !== undefined)
    .sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), samples: latencies.length };
}
