import type { ConsumerPosition } from '../status/consumer-positions';
import type { OpenIncidentFigure, WindowFigure } from '../demo/state-reader';
import type { ChannelFigure, DeliveredAlert, Detection, LatencySummary } from '../demo/summary';
import type { RulesQuality } from '../backtest/rule-quality';
import type { OrderOutcomes } from '../demo/order-outcomes';

/**
 * What the live page shows, as one JSON document the page polls. Every figure comes from the
 * running system: the runtime's counters, the state table, the alert subscriber's queue, the
 * dead-letter and quarantine queues — the page computes nothing but its drawings.
 */
export interface LiveSnapshot {
  readonly mode: 'bounded' | 'continuous';
  readonly stackName: string;
  readonly startedAt: number;
  readonly now: number;
  /** Events this demo put into the streams (poison records included). */
  readonly eventsPut: number;
  /** Records the scoring functions' mappings read from Kinesis (orders and payments are joined, not scored: `state.orders`). */
  readonly recordsScored: number;
  /** Events per second put and scored, one point per sampling interval. */
  readonly throughput: readonly ThroughputPoint[];
  /** Distinct alerts delivered, by severity, per bucket of `alertBucketMs`. */
  readonly alertsOverTime: readonly AlertBucket[];
  readonly alertBucketMs: number;
  readonly lag: readonly ShardLag[];
  readonly functions: readonly FunctionFigure[];
  /** Where each function stands in each shard of its source (`riskstream status`); empty until the first read. */
  readonly consumers: readonly ConsumerPosition[];
  /** From the state table; null until its first read. */
  readonly state: {
    readonly decisionsByAction: Record<string, number>;
    readonly busiestWindows: readonly WindowFigure[];
    /** What people are handling now: the open incidents of the run's entities. */
    readonly openIncidents: readonly OpenIncidentFigure[];
    /** Each rule's precision on the decisions analysts labelled (`riskstream label`). */
    readonly ruleQuality: RulesQuality;
    /** The orders this demo put, by their join's outcome (joined, amount_mismatch, unpaid, orphan_payment), and those still waiting. */
    readonly orders: OrderOutcomes;
    readonly readAt: number;
  } | null;
  readonly alerts: {
    readonly delivered: number;
    readonly bySeverity: Record<string, number>;
    /** Incident notifications (what people receive) by transition, beside the raw alerts. */
    readonly notificationsByTransition: Record<string, number>;
    readonly repeatedDeliveries: number;
    /** Newest first. */
    readonly latest: readonly DeliveredAlert[];
  };
  /** Messages in each queue that this demo added (depth now minus depth when it began). */
  readonly queues: { readonly quarantine: number; readonly dlq: Record<string, number> };
  readonly detection: Detection & { readonly labelledEvents: number };
  /** Incident notifications per subscriber: on their own, and in digests where a budget held them back. */
  readonly notificationsByChannel: readonly ChannelFigure[];
  readonly latencyMs: LatencySummary;
  /** Put → incident notification, for notifications an event made. */
  readonly notificationLatencyMs: LatencySummary;
}

export interface ThroughputPoint {
  readonly t: number;
  readonly put: number;
  readonly scored: number;
}

export interface AlertBucket {
  readonly t: number;
  readonly info: number;
  readonly warning: number;
  readonly critical: number;
}

export interface ShardLag {
  readonly source: string;
  readonly shardId: string;
  readonly lagMs: number;
}

export interface FunctionFigure {
  readonly functionName: string;
  readonly source: string;
  readonly recordsRead: number;
  readonly busyMs: number;
  readonly recordsToDlq: number;
}

/** Cumulative counters sampled over time, turned into per-second rates for the throughput chart. */
export class Timeline {
  private readonly samples: Array<{ t: number; put: number; scored: number }> = [];

  constructor(private readonly keep = 300) {}

  sample(t: number, put: number, scored: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) return;
    this.samples.push({ t, put, scored });
    if (this.samples.length > this.keep + 1) this.samples.shift();
  }

  rates(): ThroughputPoint[] {
    const points: ThroughputPoint[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      if (!a || !b || b.t <= a.t) continue;
      const seconds = (b.t - a.t) / 1000;
      points.push({ t: b.t, put: round1((b.put - a.put) / seconds), scored: round1((b.scored - a.scored) / seconds) });
    }
    return points;
  }
}

/** Distinct alerts per time bucket (by arrival), from the first bucket of `since` to the one holding `now`. */
export function alertBuckets(
  alerts: Iterable<DeliveredAlert>,
  since: number,
  now: number,
  bucketMs: number,
  maxBuckets = 60,
): AlertBucket[] {
  const first = Math.max(Math.floor(since / bucketMs), Math.floor(now / bucketMs) - maxBuckets + 1);
  const last = Math.floor(now / bucketMs);
  const buckets = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => ({
    t: (first + i) * bucketMs,
    info: 0,
    warning: 0,
    critical: 0,
  }));
  for (const alert of alerts) {
    const bucket = buckets[Math.floor(alert.arrivedAt / bucketMs) - first];
    if (bucket && (alert.severity === 'info' || alert.severity === 'warning' || alert.severity === 'critical')) bucket[alert.severity]++;
  }
  return buckets;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
