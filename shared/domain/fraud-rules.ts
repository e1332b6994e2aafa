import type { Envelope } from './events';
import * as z from 'zod/mini';
import { duration, weight, positive, positiveInt, enabled, section, windowOfPanes, incidentSettings } from './rules-schema';
import { formatDuration } from './duration';
import { isoTime } from './iso-time';

/** Read-only, as `Reading`: a validated event may be the parsed input itself (see `validateFields`). */
export interface Transaction {
  readonly transactionId: string;
  readonly userId: string;
  readonly cardId?: string;
  readonly amount: number;
  readonly currency?: string;
  /** Upper-cased. */
  readonly country: string;
  readonly merchantCategory?: string;
  readonly deviceId?: string;
  readonly timestamp: string | number;
  readonly [extra: string]: unknown;
}

/** A transaction as the pipeline carries it (shared/kinds/transaction.ts validates it). */
export type TransactionEnvelope = Envelope<'transaction', Transaction>;

export const Action = {
  approve: 'approve',
  manualReview: 'manual_review_required',
  block: 'block',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export interface Reason {
  readonly rule: string;
  readonly weight: number;
  readonly detail: string;
}

export interface Decision {
  readonly transactionId: string;
  readonly userId: string;
  readonly riskScore: number;
  readonly action: Action;
  readonly reasons: readonly Reason[];
  /** The event time, ISO. */
  readonly eventTime: string;
  /** Set when the event arrived after its window closed: scored, but not counted in any window. */
  readonly late?: true;
}

/** What the rules need to know beyond the transaction itself; window figures include this transaction. */
export interface TransactionFeatures {
  readonly windowCount: number;
  readonly windowSum: number;
  readonly smallCount: number;
  /** The user's last seen country and its event time, before this transaction. */
  readonly previous?: { readonly country: string; readonly time: number };
}

type Rule = (txn: TransactionEnvelope, features: TransactionFeatures, rules: TransactionRules) => Reason | undefined;

const largeAmount: Rule = ({ event }, _features, { largeAmount: cfg }) =>
  cfg.enabled && event.amount >= cfg.amount
    ? { rule: 'largeAmount', weight: cfg.weight, detail: `amount ${event.amount} is at or above ${cfg.amount}` }
    : undefined;

const velocity: Rule = (_txn, { windowCount, windowSum }, { velocity: cfg, window }) => {
  if (!cfg.enabled || (windowCount <= cfg.maxCount && windowSum <= cfg.maxSum)) return undefined;
  const what =
    windowCount > cfg.maxCount ? `${windowCount} transactions (limit ${cfg.maxCount})` : `a total of ${windowSum} (limit ${cfg.maxSum})`;
  return { rule: 'velocity', weight: cfg.weight, detail: `${what} in the last ${formatDuration(window)}` };
};

const cardTesting: Rule = ({ event }, { smallCount }, { cardTesting: cfg, window }) =>
  cfg.enabled && event.amount <= cfg.smallAmount && smallCount >= cfg.minCount
    ? {
        rule: 'cardTesting',
        weight: cfg.weight,
        detail: `${smallCount} amounts of at most ${cfg.smallAmount} in the last ${formatDuration(window)}`,
      }
    : undefined;

const impossibleTravel: Rule = ({ event, time }, { previous }, { impossibleTravel: cfg }) => {
  if (!cfg.enabled || !previous || previous.country === event.country) return undefined;
  const gap = Math.abs(time - previous.time);
  return gap < cfg.within
    ? {
        rule: 'impossibleTravel',
        weight: cfg.weight,
        detail: `${previous.country} then ${event.country} within ${formatDuration(Math.max(gap, 1000))}`,
      }
    : undefined;
};

const riskyMerchant: Rule = ({ event }, _features, { riskyMerchant: cfg }) =>
  cfg.enabled && event.merchantCategory !== undefined && cfg.categories.includes(event.merchantCategory)
    ? { rule: 'riskyMerchant', weight: cfg.weight, detail: `high-risk merchant category ${event.merchantCategory}` }
    : undefined;

const RULES: readonly Rule[] = [largeAmount, velocity, cardTesting, impossibleTravel, riskyMerchant];
const NO_REASONS: readonly Reason[] = Object.freeze([]);

/**
 * Rules combine like independent pieces of evidence (noisy-or): 1 - Π(1 - weight). The score stays
 * in [0, 1], never decreases when another rule fires, and one strong rule is enough on its own.
 */
export function combineWeights(weights: readonly number[]): number {
  const score = 1 - weights.reduce((remaining, w) => remaining * (1 - w), 1);
  return Math.round(score * 100) / 100;
}

export function actionFor(riskScore: number, thresholds: TransactionRules['thresholds']): Action {
  if (riskScore >= thresholds.block) return Action.block;
  if (riskScore >= thresholds.review) return Action.manualReview;
  return Action.approve;
}

export function scoreTransaction(txn: TransactionEnvelope, features: TransactionFeatures, rules: TransactionRules): Decision {
  // Every transaction is judged here, and most fire no rule: then no list is made.
  let fired: Reason[] | undefined;
  for (const rule of RULES) {
    const reason = rule(txn, features, rules);
    if (reason !== undefined) (fired ??= []).push(reason);
  }
  const reasons = fired ?? NO_REASONS;
  const riskScore = fired === undefined ? 0 : combineWeights(fired.map((r) => r.weight));
  return {
    transactionId: txn.id,
    userId: txn.entity,
    riskScore,
    action: actionFor(riskScore, rules.thresholds),
    reasons,
    eventTime: isoTime(txn.time),
  };
}

/** A transaction section of the rules document (`transactions`): the fraud rules' thresholds and weights. */
export const TransactionRulesSchema = z
  .strictObject({
    /** The per-user window of velocity and card testing: the last 5 minutes before each transaction. */
    window: duration(5 * 60_000),
    pane: duration(30_000),
    /** How long after its pane's end an event is still counted; later ones are judged and reported as late. */
    allowedLateness: duration(10 * 60_000),
    thresholds: section({ review: weight(0.5), block: weight(0.85) }).check(
      z.refine((t) => t.block >= t.review, { message: 'block must be >= review' }),
    ),
    largeAmount: section({ enabled, weight: weight(0.6), amount: positive(1000) }),
    velocity: section({ enabled, weight: weight(0.5), maxCount: positiveInt(5), maxSum: positive(5000) }),
    cardTesting: section({
      enabled,
      weight: weight(0.7),
      smallAmount: positive(5),
      minCount: z._default(z.number().check(z.int(), z.minimum(2)), 4),
    }),
    impossibleTravel: section({ enabled, weight: weight(0.6), within: duration(60 * 60_000) }),
    /** A user's fraud incident resolves after one window without a signal. */
    incidents: incidentSettings(5 * 60_000),
    // Alone, at the review threshold: these categories are where stolen cards are cashed out.
    riskyMerchant: section({
      enabled,
      weight: weight(0.5),
      categories: z._default(z.array(z.string().check(z.minLength(1))), ['gambling', 'crypto', 'money_transfer', 'gift_cards']),
    }),
  })
  .check(windowOfPanes);

export type TransactionRules = z.output<typeof TransactionRulesSchema>;
