import type { Verdict } from '../../shared/domain/labels';
import { KINDS } from '../../shared/kinds/registry';

/** Precision and recall of one rule (or of all of them: `any`) against the verdicts; null where there is nothing to divide. */
export interface RuleQuality {
  readonly flagged: number;
  readonly truePositives: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface RulesQuality {
  /** Judged events with a verdict, and how many of them are fraud. */
  readonly labelled: number;
  readonly fraud: number;
  readonly rules: Record<string, RuleQuality>;
}

/** The rule name `any`: an event flagged at all (a transaction not approved, a reading not ok). */
export const ANY_RULE = 'any';

/**
 * How well each rule finds what analysts call fraud (the positive class): of the labelled events a
 * rule fired on, how many are fraud (precision), and of the fraud, how much it fired on (recall).
 */
export class RuleQualityCounter {
  private readonly counts: Record<string, { flagged: number; truePositives: number }> = {};
  private labelled = 0;
  private fraud = 0;

  /** A labelled event: the rules that fired on it, and whether it was flagged at all. */
  add(verdict: Verdict, fired: Iterable<string>, flagged: boolean): void {
    this.labelled++;
    if (verdict === 'fraud') this.fraud++;
    for (const rule of new Set([...fired, ...(flagged ? [ANY_RULE] : [])])) {
      const count = (this.counts[rule] ??= { flagged: 0, truePositives: 0 });
      count.flagged++;
      if (verdict === 'fraud') count.truePositives++;
    }
  }

  report(): RulesQuality {
    const rules = Object.entries(this.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([rule, { flagged, truePositives }]) => [
        rule,
        {
          flagged,
          truePositives,
          precision: flagged === 0 ? null : truePositives / flagged,
          recall: this.fraud === 0 ? null : truePositives / this.fraud,
        },
      ]);
    return { labelled: this.labelled, fraud: this.fraud, rules: Object.fromEntries(rules) };
  }
}

/** No kind's outcome that leaves its event alone (approve, ok: the first of each kind's `outcomes`). */
const UNFLAGGED: ReadonlySet<string> = new Set(KINDS.map((kind) => kind.outcomes[0]));

/** Whether an outcome acts on the event: a transaction not approved, a reading not ok. */
export function isFlagged(outcome: string): boolean {
  return !UNFLAGGED.has(outcome);
}
