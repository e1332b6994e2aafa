import type { Alert } from '../../shared/domain/alerts';
import type { Verdict } from '../../shared/domain/labels';
import type { RuleQuality } from './rule-quality';
import { isFlagged, RuleQualityCounter } from './rule-quality';
import type { EventKindName } from '../../shared/kinds/names';
import type { JudgementParts } from '../../shared/kinds/event-kind';

export type Side = 'live' | 'candidate';
export const SIDES: readonly Side[] = ['live', 'candidate'];

/** One side's judgement of an event: its action (a transaction's) or status (a reading's), and the rules that fired. */
export interface Judgement {
  readonly outcome: string;
  readonly riskScore?: number;
  /** "rule: what it found". */
  readonly reasons: readonly string[];
}

/** A kind's judgement (kinds/event-kind.ts) as a report prints it: reasons become text. */
export function judgementText({ reasons, ...rest }: JudgementParts): Judgement {
  return { ...rest, reasons: reasons.map((r) => `${r.rule}: ${r.detail}`) };
}

/** An event the two sides judged otherwise. */
export interface Flip {
  readonly eventId: string;
  readonly kind: EventKindName;
  readonly eventTime: string;
  readonly live: Judgement;
  readonly candidate: Judgement;
  readonly verdict?: Verdict;
}

export interface ComparisonReport {
  /** Events judged by both. */
  readonly events: number;
  /** By side: transactions by action, readings by status. */
  readonly outcomes: Record<Side, Record<string, number>>;
  /** "approve → block": how many events moved so. */
  readonly flips: Record<string, number>;
  /** Up to `examplesPerFlip` events per direction, the first ones met. */
  readonly examples: readonly Flip[];
  /** Where verdicts exist: the labelled events met, and each rule's quality on them, by side. */
  readonly labels?: {
    readonly labelled: number;
    readonly fraud: number;
    /** Verdicts that label no event judged here: events of other times, or incidents none of whose events was judged here. */
    readonly unmatched: number;
    readonly rules: Record<Side, Record<string, RuleQuality>>;
  };
}

/**
 * How a comparison reads the events and judgements it is given. The outcome is read for every event;
 * the rules that fired only for a labelled one, and the whole judgement (its reasons as text) only
 * for an example: a backtest compares every event of days of history, and most of them are neither.
 */
export interface JudgementReader<E, J> {
  eventId(event: E): string;
  describe(event: E): Pick<Flip, 'eventId' | 'kind' | 'eventTime'>;
  outcome(judged: J): string;
  firedRules(judged: J): Iterable<string>;
  judgement(judged: J): Judgement;
}

/** Judgements already in their stored form (a shadow report's). */
export const STORED_JUDGEMENTS: JudgementReader<Pick<Flip, 'eventId' | 'kind' | 'eventTime'>, Judgement> = {
  eventId: (event) => event.eventId,
  describe: ({ eventId, kind, eventTime }) => ({ eventId, kind, eventTime }),
  outcome: (judged) => judged.outcome,
  firedRules: (judged) => judged.reasons.map((reason) => reason.slice(0, reason.indexOf(':'))),
  judgement: (judged) => judged,
};

/**
 * Two judgements of the same events side by side, by a backtest (both judged in memory) or a shadow
 * report (both stored by the scorers): how the outcomes move, examples of each move, and, against
 * the analysts' verdicts, each rule's precision and recall (fraud is the positive class).
 */
export class Comparison<E, J> {
  private events = 0;
  private readonly outcomes: Record<Side, Record<string, number>> = { live: {}, candidate: {} };
  private readonly flips: Record<string, number> = {};
  private readonly examples: Flip[] = [];
  private readonly quality: Record<Side, RuleQualityCounter> = { live: new RuleQualityCounter(), candidate: new RuleQualityCounter() };
  private readonly matched = new Set<string>();
  /** Events labelled through incidents: event id → the ids of the incidents (with a verdict) it opened or escalated. */
  private readonly byIncident = new Map<string, string[]>();

  constructor(
    private readonly reader: JudgementReader<E, J>,
    private readonly verdicts: ReadonlyMap<string, Verdict> = new Map(),
    private readonly examplesPerFlip = 5,
  ) {}

  /**
   * The incidents' notifications met so far (the live side's): a verdict on an incident labels the
   * events that opened and escalated it, as analysts judged them when they called the incident fraud
   * or legit. Give them before the events they name are added. A verdict on the event itself wins;
   * an event in several incidents whose verdicts differ (a reading too hot and too wet) is fraud if
   * any of them is.
   */
  noteIncidents(notifications: Iterable<Pick<Alert, 'eventIds' | 'incident'>>): void {
    if (this.verdicts.size === 0) return;
    for (const { incident, eventIds } of notifications) {
      if (!incident || (incident.transition !== 'opened' && incident.transition !== 'escalated')) continue;
      if (!this.verdicts.has(incident.id)) continue;
      for (const eventId of eventIds) {
        const incidents = this.byIncident.get(eventId);
        if (!incidents) this.byIncident.set(eventId, [incident.id]);
        else if (!incidents.includes(incident.id)) incidents.push(incident.id);
      }
    }
  }

  add(event: E, live: J, candidate: J): void {
    const { reader } = this;
    this.events++;
    const liveOutcome = reader.outcome(live);
    const candidateOutcome = reader.outcome(candidate);
    count(this.outcomes.live, liveOutcome);
    count(this.outcomes.candidate, candidateOutcome);
    const verdict = this.verdicts.size === 0 ? undefined : this.verdictOf(reader.eventId(event));
    if (verdict !== undefined) {
      this.quality.live.add(verdict, reader.firedRules(live), isFlagged(liveOutcome));
      this.quality.candidate.add(verdict, reader.firedRules(candidate), isFlagged(candidateOutcome));
    }
    if (liveOutcome === candidateOutcome) return;
    if (count(this.flips, `${liveOutcome} → ${candidateOutcome}`) <= this.examplesPerFlip) {
      const judgements = { live: reader.judgement(live), candidate: reader.judgement(candidate) };
      this.examples.push({ ...reader.describe(event), ...judgements, ...(verdict === undefined ? {} : { verdict }) });
    }
  }

  /** The verdict that labels an event: its own, or its incidents' (fraud if any says so); each verdict that reached a judged event is matched. */
  private verdictOf(eventId: string): Verdict | undefined {
    const own = this.verdicts.get(eventId);
    const incidents = this.byIncident.get(eventId) ?? [];
    if (own !== undefined) this.matched.add(eventId);
    for (const id of incidents) this.matched.add(id);
    if (own !== undefined || incidents.length === 0) return own;
    return incidents.some((id) => this.verdicts.get(id) === 'fraud') ? 'fraud' : 'legit';
  }

  report(): ComparisonReport {
    return {
      events: this.events,
      outcomes: this.outcomes,
      flips: this.flips,
      examples: this.examples,
      ...(this.verdicts.size > 0 ? { labels: this.labels() } : {}),
    };
  }

  private labels(): NonNullable<ComparisonReport['labels']> {
    const [live, candidate] = [this.quality.live.report(), this.quality.candidate.report()];
    return {
      labelled: live.labelled,
      fraud: live.fraud,
      unmatched: this.verdicts.size - this.matched.size,
      rules: { live: live.rules, candidate: candidate.rules },
    };
  }
}

/** Adds one to a count; the new count. */
function count(counts: Record<string, number>, key: string): number {
  counts[key] = (counts[key] ?? 0) + 1;
  return counts[key];
}
