import type { Alert } from '../../shared/domain/alerts';
import type { AnyEnvelope } from '../../shared/domain/events';
import type { Verdict } from '../../shared/domain/labels';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { KINDS, kindNamed, kindOfEntityType } from '../../shared/kinds/registry';
import type { ComparisonReport, JudgementReader, Side } from './comparison';
import { Comparison, judgementText } from './comparison';
import type { ScoredChunk, ScoredEvent } from './in-memory-scorer';
import { EntityBatches, InMemoryScorer } from './in-memory-scorer';

/** The two rule sets a backtest compares: the live one and a candidate. */
export interface Contenders {
  readonly live: { readonly rules: RulesConfig; readonly version?: number };
  readonly candidate: { readonly rules: RulesConfig; readonly version?: number };
}

export interface BacktestReport extends ComparisonReport {
  readonly versions: { readonly live?: number; readonly candidate?: number };
  /** Events met again (skipped by both, as the pipeline skips them). */
  readonly duplicates: number;
  /** By hour of event time (ISO, UTC): alerts, and incidents opened, of each side. */
  readonly perHour: Record<string, Record<Side, { alerts: number; incidents: number }>>;
}

export interface BacktestOptions {
  readonly verdicts?: ReadonlyMap<string, Verdict>;
  readonly examplesPerFlip?: number;
}

/**
 * A candidate's effect on history: every event judged by the live rules and by the candidate,
 * each in an in-memory scorer of its own (the deployed scorers' domain code: see in-memory-scorer.ts),
 * so nothing live is touched. Feed it chunks in arrival order; `report()` says where they differ.
 */
export class Backtest {
  private readonly scorers: Record<Side, InMemoryScorer>;
  /** One cut of each chunk for both sides: which events make a batch, and which were met before, does not depend on the rules. */
  private readonly batches = new EntityBatches();
  private readonly comparison: Comparison<AnyEnvelope, JudgedEvent>;
  private readonly versions: { live?: number; candidate?: number };
  /** The kinds whose rules the candidate changes: the others are judged once (the candidate's judgements are the live ones). */
  private readonly changedKinds: ReadonlySet<AnyEnvelope['kind']>;
  private duplicates = 0;
  private readonly perHour: Record<string, Record<Side, { alerts: number; incidents: number }>> = {};

  constructor({ live, candidate }: Contenders, options: BacktestOptions = {}) {
    this.scorers = {
      live: new InMemoryScorer(live.rules, live.version),
      candidate: new InMemoryScorer(candidate.rules, candidate.version),
    };
    this.comparison = new Comparison(IN_MEMORY_JUDGEMENTS, options.verdicts, options.examplesPerFlip);
    this.versions = { live: live.version, candidate: candidate.version };
    this.changedKinds = new Set(
      KINDS.filter((kind) => !sameRules(live.rules[kind.stream], candidate.rules[kind.stream])).map((kind) => kind.name),
    );
  }

  /** Judges a chunk of events (in arrival order) with both. */
  add(envelopes: readonly AnyEnvelope[]): void {
    const batches = this.batches.cut(envelopes);
    const live = this.scorers.live.scoreBatches(envelopes, batches) as ScoredChunk;
    // The candidate judges only the kinds whose rules it changes: for the others, its judgement is the live one.
    const candidate = this.scorers.candidate.scoreBatches(envelopes, batches, this.changedKinds);
    const unchanged = (alert: Alert) => !this.changedKinds.has(kindOfEntityType(alert.entity.type).name);
    this.countAlerts('live', live.alerts, live.notifications);
    this.comparison.noteIncidents(live.notifications);
    this.countAlerts(
      'candidate',
      [...candidate.alerts, ...live.alerts.filter(unchanged)],
      [...candidate.notifications, ...live.notifications.filter(unchanged)],
    );
    live.events.forEach((byLive, i) => {
      const byCandidate = candidate.events[i] ?? byLive;
      // Both have seen the same events, so a repeat is a repeat for both.
      if (byLive.status === 'duplicate' || byCandidate.status === 'duplicate') this.duplicates++;
      else this.comparison.add(byLive.envelope, byLive, byCandidate);
    });
  }

  report(): BacktestReport {
    return {
      versions: this.versions,
      duplicates: this.duplicates,
      ...this.comparison.report(),
      perHour: Object.fromEntries(Object.entries(this.perHour).sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  private countAlerts(side: Side, alerts: readonly Alert[], notifications: readonly Alert[]): void {
    const hour = (alert: Alert) => `${alert.eventTime.slice(0, 13)}:00Z`;
    const slot = (alert: Alert) => (this.perHour[hour(alert)] ??= emptyHour())[side];
    for (const alert of alerts) slot(alert).alerts++;
    for (const notification of notifications) if (notification.incident?.transition === 'opened') slot(notification).incidents++;
  }
}

/** Validated rules documents are built in one key order, so equal ones print alike. */
function sameRules(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function emptyHour(): Record<Side, { alerts: number; incidents: number }> {
  return { live: { alerts: 0, incidents: 0 }, candidate: { alerts: 0, incidents: 0 } };
}

type JudgedEvent = Exclude<ScoredEvent, { status: 'duplicate' }>;

/** An event judged in memory, read through its kind (kinds/): reasons become text only for an example. */
const IN_MEMORY_JUDGEMENTS: JudgementReader<AnyEnvelope, JudgedEvent> = {
  eventId: (envelope) => envelope.id,
  describe: (envelope) => ({ eventId: envelope.id, kind: envelope.kind, eventTime: new Date(envelope.time).toISOString() }),
  outcome: (judged) => kindNamed(judged.envelope.kind).outcome(judged.result),
  firedRules: (judged) =>
    kindNamed(judged.envelope.kind)
      .judgement(judged.result)
      .reasons.map((r) => r.rule),
  judgement: (judged) => judgementText(kindNamed(judged.envelope.kind).judgement(judged.result)),
};
