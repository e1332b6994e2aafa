import type { Verdict } from '../../shared/domain/labels';
import type { RuleQuality } from './rule-quality';
import { isFlagged, RuleQualityCounter } from './rule-quality';

export type Side = 'live' | 'candidate';
export const SIDES: readonly Side[] = ['live', 'candidate'];

/** One side's judgement of an event: its action (a transaction's) or status (a reading's), and the rules that fired. */
export interface Judgement {
  readonly outcome: string;
  readonly riskScore?: number;
  /** "rule: what it found". */
  readonly reasons: readonly string[];
}

/** An event the two sides judged otherwise. */
export interface Flip {
  readonly eventId: string;
  readonly kind: 'transaction' | 'reading';
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
    /** Verdicts that name no event judged here: events of other times, or incidents (which count in none yet). */
    readonly unmatched: number;
    readonly rules: Record<Side, Record<string, RuleQuality>>;
  };
}

/**
 * Two judgements of the same events side by side, by a backtest (both judged in memory) or a shadow
 * report (both stored by the scorers): how the outcomes move, examples of each move, and, against
 * the analysts' verdicts, each rule's precision and recall (fraud is the positive class).
 */
export class Comparison {
  private events = 0;
  private readonly outcomes: Record<Side, Record<string, number>> = { live: {}, candidate: {} };
  private readonly flips: Record<string, number> = {};
  private readonly examples: Flip[] = [];
  private readonly quality: Record<Side, RuleQualityCounter> = { live: new RuleQualityCounter(), candidate: new RuleQualityCounter() };
  private readonly matched = new Set<string>();

  constructor(
    private readonly verdicts: ReadonlyMap<string, Verdict> = new Map(),
    private readonly examplesPerFlip = 5,
  ) {}

  add(event: Pick<Flip, 'eventId' | 'kind' | 'eventTime'>, judgements: Record<Side, Judgement>): void {
    this.events++;
    for (const side of SIDES) count(this.outcomes[side], judgements[side].outcome);
    const verdict = this.verdicts.get(event.eventId);
    if (verdict !== undefined) {
      this.matched.add(event.eventId);
      for (const side of SIDES) {
        const { outcome, reasons } = judgements[side];
        this.quality[side].add(
          verdict,
          reasons.map((r) => r.slice(0, r.indexOf(':'))),
          isFlagged(outcome),
        );
      }
    }
    if (judgements.live.outcome === judgements.candidate.outcome) return;
    const direction = `${judgements.live.outcome} → ${judgements.candidate.outcome}`;
    if (count(this.flips, direction) <= this.examplesPerFlip) {
      this.examples.push({ ...event, ...judgements, ...(verdict === undefined ? {} : { verdict }) });
    }
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
