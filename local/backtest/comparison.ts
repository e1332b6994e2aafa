import type { Verdict } from '../../shared/domain/labels';

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

/** Precision and recall of one rule (or of all of them: `any`) against the verdicts; null where there is nothing to divide. */
export interface RuleQuality {
  readonly flagged: number;
  readonly truePositives: number;
  readonly precision: number | null;
  readonly recall: number | null;
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
    readonly rules: Record<Side, Record<string, RuleQuality>>;
  };
}

/** The rule name `any`: an event a side flagged at all (a transaction not approved, a reading not ok). */
export const ANY_RULE = 'any';

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
  private readonly quality: Record<Side, Record<string, { flagged: number; truePositives: number }>> = { live: {}, candidate: {} };
  private labelled = 0;
  private fraud = 0;

  constructor(
    private readonly verdicts: ReadonlyMap<string, Verdict> = new Map(),
    private readonly examplesPerFlip = 5,
  ) {}

  add(event: Pick<Flip, 'eventId' | 'kind' | 'eventTime'>, judgements: Record<Side, Judgement>): void {
    this.events++;
    for (const side of SIDES) count(this.outcomes[side], judgements[side].outcome);
    const verdict = this.verdicts.get(event.eventId);
    if (verdict !== undefined) this.label(verdict, judgements);
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
      ...(this.verdicts.size > 0
        ? {
            labels: {
              labelled: this.labelled,
              fraud: this.fraud,
              rules: { live: qualities(this.quality.live, this.fraud), candidate: qualities(this.quality.candidate, this.fraud) },
            },
          }
        : {}),
    };
  }

  private label(verdict: Verdict, judgements: Record<Side, Judgement>): void {
    this.labelled++;
    if (verdict === 'fraud') this.fraud++;
    for (const side of SIDES) {
      const { outcome, reasons } = judgements[side];
      const fired = new Set(reasons.map((r) => r.slice(0, r.indexOf(':'))));
      if (outcome !== 'approve' && outcome !== 'ok') fired.add(ANY_RULE);
      for (const rule of fired) {
        const q = (this.quality[side][rule] ??= { flagged: 0, truePositives: 0 });
        q.flagged++;
        if (verdict === 'fraud') q.truePositives++;
      }
    }
  }
}

/** Adds one to a count; the new count. */
function count(counts: Record<string, number>, key: string): number {
  counts[key] = (counts[key] ?? 0) + 1;
  return counts[key];
}

function qualities(counts: Record<string, { flagged: number; truePositives: number }>, fraud: number): Record<string, RuleQuality> {
  return Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([rule, { flagged, truePositives }]) => [
        rule,
        {
          flagged,
          truePositives,
          precision: flagged === 0 ? null : truePositives / flagged,
          recall: fraud === 0 ? null : truePositives / fraud,
        },
      ]),
  );
}
