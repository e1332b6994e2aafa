import type { TransactionEnvelope } from '../../../shared/domain/fraud-rules';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { TransactionFeatures } from '../../../shared/domain/fraud-rules';
import { Action, actionFor, combineWeights, scoreTransaction } from '../../../shared/domain/fraud-rules';
import type { TransactionRules } from '../../../shared/domain/fraud-rules';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';

const RULES = DEFAULT_RULES.transactions;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

const SEED = { transactionId: 'txn-123', userId: 'user-456', amount: 2500, country: 'DE', timestamp: '2026-04-25T12:00:00Z' };

function txn(overrides: Record<string, unknown> = {}): TransactionEnvelope {
  const validation = validateTransaction({ ...SEED, amount: 50, ...overrides });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

/** Features of a first transaction in an empty window: only itself counted, no history. */
function alone(envelope: TransactionEnvelope, smallAmount = RULES.cardTesting.smallAmount): TransactionFeatures {
  return { windowCount: 1, windowSum: envelope.event.amount, smallCount: envelope.event.amount <= smallAmount ? 1 : 0 };
}

function firedRules(envelope: TransactionEnvelope, features: TransactionFeatures, rules: TransactionRules = RULES): string[] {
  return scoreTransaction(envelope, features, rules).reasons.map((r) => r.rule);
}

function rulesWith(overrides: Record<string, unknown>): TransactionRules {
  return parseRulesConfig({ transactions: overrides }).transactions;
}

describe('scoreTransaction: the seed example', () => {
  it('holds 2500 in DE with no history for manual review because of largeAmount', () => {
    // Arrange
    const envelope = txn({ amount: 2500 });

    // Act
    const decision = scoreTransaction(envelope, alone(envelope), RULES);

    // Assert
    expect(decision).toMatchObject({
      transactionId: 'txn-123',
      userId: 'user-456',
      riskScore: 0.6,
      action: 'manual_review_required',
      eventTime: '2026-04-25T12:00:00.000Z',
    });
    expect(decision.reasons).toEqual([{ rule: 'largeAmount', weight: 0.6, detail: 'amount 2500 is at or above 1000' }]);
    expect(decision.late).toBeUndefined();
  });

  it('approves an ordinary transaction with no reasons and a zero score', () => {
    // Arrange
    const envelope = txn({ amount: 50 });

    // Act
    const decision = scoreTransaction(envelope, alone(envelope), RULES);

    // Assert
    expect(decision).toMatchObject({ riskScore: 0, action: 'approve', reasons: [] });
  });
});

describe('rule: largeAmount', () => {
  it.each([
    [999.99, false],
    [1000, true],
    [1000.01, true],
  ])('amount %p fires: %p', (amount, fires) => {
    // Arrange
    const envelope = txn({ amount });

    // Act
    const rules = firedRules(envelope, alone(envelope));

    // Assert
    expect(rules.includes('largeAmount')).toBe(fires);
  });
});

describe('rule: velocity', () => {
  it.each([
    [5, false],
    [6, true],
  ])('%p transactions in the window (maxCount 5) fires: %p', (windowCount, fires) => {
    // Arrange
    const envelope = txn({ amount: 10 });
    const features = { windowCount, windowSum: 10 * windowCount, smallCount: 0 };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules.includes('velocity')).toBe(fires);
  });

  it.each([
    [5000, false],
    [5000.01, true],
  ])('a window sum of %p (maxSum 5000) fires: %p', (windowSum, fires) => {
    // Arrange
    const envelope = txn({ amount: 10 });
    const features = { windowCount: 2, windowSum, smallCount: 0 };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules.includes('velocity')).toBe(fires);
  });

  it('explains a count breach with the count, the limit and the window', () => {
    // Arrange
    const envelope = txn({ amount: 10 });
    const features = { windowCount: 6, windowSum: 60, smallCount: 0 };

    // Act
    const decision = scoreTransaction(envelope, features, RULES);

    // Assert
    expect(decision.reasons).toEqual([{ rule: 'velocity', weight: 0.5, detail: '6 transactions (limit 5) in the last 5m' }]);
  });
});

describe('rule: cardTesting', () => {
  it.each([
    ['the 4th small amount in the window', 5, 4, true],
    ['the 3rd small amount in the window', 5, 3, false],
    ['a large amount after 4 small ones', 5.01, 4, false],
    ['a 1-unit amount as the 5th small one', 1, 5, true],
  ])('%s (amount %p, small count %p) fires: %p', (_case, amount, smallCount, fires) => {
    // Arrange
    const envelope = txn({ amount });
    const features = { windowCount: smallCount + 1, windowSum: 20, smallCount };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules.includes('cardTesting')).toBe(fires);
  });
});

describe('rule: impossibleTravel', () => {
  it.each([
    ['59 minutes after a different country', 'FR', -59 * MINUTE, true],
    ['exactly `within` after a different country', 'FR', -60 * MINUTE, false],
    ['61 minutes after a different country', 'FR', -61 * MINUTE, false],
    ['1 minute after the same country', 'DE', -1 * MINUTE, false],
    ['an out-of-order event 10 minutes before a different country', 'FR', 10 * MINUTE, true],
  ])('%s (previous %p at %p ms) fires: %p', (_case, previousCountry, offset, fires) => {
    // Arrange
    const envelope = txn({ country: 'DE' });
    const features = { ...alone(envelope), previous: { country: previousCountry, time: T0 + offset } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules.includes('impossibleTravel')).toBe(fires);
  });

  it('never fires without a previous country', () => {
    // Arrange
    const envelope = txn({ country: 'US' });

    // Act
    const rules = firedRules(envelope, alone(envelope));

    // Assert
    expect(rules).not.toContain('impossibleTravel');
  });

  it('compares countries after upper-casing', () => {
    // Arrange
    const envelope = txn({ country: 'de' });
    const features = { ...alone(envelope), previous: { country: 'DE', time: T0 - MINUTE } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).not.toContain('impossibleTravel');
  });

  it('names both countries and the gap', () => {
    // Arrange
    const envelope = txn({ country: 'DE' });
    const features = { ...alone(envelope), previous: { country: 'BR', time: T0 - 20 * MINUTE } };

    // Act
    const decision = scoreTransaction(envelope, features, RULES);

    // Assert
    expect(decision.reasons).toEqual([{ rule: 'impossibleTravel', weight: 0.6, detail: 'BR then DE within 20m' }]);
  });
});

describe('rule: riskyMerchant', () => {
  it.each([
    ['gambling', true],
    ['gift_cards', true],
    ['groceries', false],
    ['Gambling', false],
  ])('merchant category %p fires: %p', (merchantCategory, fires) => {
    // Arrange
    const envelope = txn({ merchantCategory });

    // Act
    const rules = firedRules(envelope, alone(envelope));

    // Assert
    expect(rules.includes('riskyMerchant')).toBe(fires);
  });

  it('does not fire without a merchant category', () => {
    // Arrange
    const envelope = txn();

    // Act
    const rules = firedRules(envelope, alone(envelope));

    // Assert
    expect(rules).not.toContain('riskyMerchant');
  });

  it('uses the configured categories', () => {
    // Arrange
    const rules = rulesWith({ riskyMerchant: { categories: ['adult'] } });
    const envelope = txn({ merchantCategory: 'adult' });
    const gambling = txn({ merchantCategory: 'gambling' });

    // Act
    const fired = [firedRules(envelope, alone(envelope), rules), firedRules(gambling, alone(gambling), rules)];

    // Assert
    expect(fired).toEqual([['riskyMerchant'], []]);
  });
});

describe('disabled rules never fire', () => {
  it('with every rule disabled, a transaction that would trip them all is approved', () => {
    // Arrange
    const rules = rulesWith({
      largeAmount: { enabled: false },
      velocity: { enabled: false },
      cardTesting: { enabled: false },
      impossibleTravel: { enabled: false },
      riskyMerchant: { enabled: false },
    });
    const envelope = txn({ amount: 5000, merchantCategory: 'crypto' });
    const features = { windowCount: 50, windowSum: 99_999, smallCount: 10, previous: { country: 'US', time: T0 - MINUTE } };

    // Act
    const decision = scoreTransaction(envelope, features, rules);

    // Assert
    expect(decision).toMatchObject({ riskScore: 0, action: 'approve', reasons: [] });
  });

  it.each(['largeAmount', 'velocity', 'cardTesting', 'impossibleTravel', 'riskyMerchant'])(
    'disabling %s removes only that rule',
    (rule) => {
      // Arrange
      const rules = rulesWith({ [rule]: { enabled: false } });
      const smallCrypto = txn({ amount: 2, merchantCategory: 'crypto' });
      const large = txn({ amount: 5000 });
      const features = { windowCount: 6, windowSum: 6000, smallCount: 4, previous: { country: 'US', time: T0 - MINUTE } };

      // Act
      const fired = new Set([...firedRules(smallCrypto, features, rules), ...firedRules(large, features, rules)]);

      // Assert
      const all = ['largeAmount', 'velocity', 'cardTesting', 'impossibleTravel', 'riskyMerchant'];
      expect([...fired].sort()).toEqual(all.filter((r) => r !== rule).sort());
    },
  );
});

describe('scoring: the reasons combine into the score and the action', () => {
  it('a large amount at a risky merchant combines 0.6 and 0.5 into 0.8 and is held for review', () => {
    // Arrange
    const envelope = txn({ amount: 1500, merchantCategory: 'gambling' });

    // Act
    const decision = scoreTransaction(envelope, alone(envelope), RULES);

    // Assert
    expect(decision.reasons.map((r) => r.rule)).toEqual(['largeAmount', 'riskyMerchant']);
    expect(decision.riskScore).toBe(0.8);
    expect(decision.action).toBe(Action.manualReview);
  });

  it('a large amount far from the last country combines 0.6 and 0.6 into 0.84, just under block', () => {
    // Arrange
    const envelope = txn({ amount: 1500 });
    const features = { ...alone(envelope), previous: { country: 'US', time: T0 - MINUTE } };

    // Act
    const decision = scoreTransaction(envelope, features, RULES);

    // Assert
    expect(decision.riskScore).toBe(0.84);
    expect(decision.action).toBe(Action.manualReview);
  });

  it('card testing at a risky merchant in a busy window is blocked', () => {
    // Arrange
    const envelope = txn({ amount: 1, merchantCategory: 'gift_cards' });
    const features = { windowCount: 6, windowSum: 6, smallCount: 6 };

    // Act
    const decision = scoreTransaction(envelope, features, RULES);

    // Assert
    expect(decision.reasons.map((r) => r.rule)).toEqual(['velocity', 'cardTesting', 'riskyMerchant']);
    expect(decision.riskScore).toBe(0.93);
    expect(decision.action).toBe(Action.block);
  });
});

describe('combineWeights', () => {
  it('is 0 for no weights', () => {
    // Arrange
    const weights: number[] = [];

    // Act
    const score = combineWeights(weights);

    // Assert
    expect(score).toBe(0);
  });

  it('is the weight itself for one weight', () => {
    // Arrange
    const weights = [0.37];

    // Act
    const score = combineWeights(weights);

    // Assert
    expect(score).toBe(0.37);
  });

  it('is the noisy-or 1 - Π(1 - w), rounded to two decimals', () => {
    // Arrange
    const weights = [0.5, 0.5, 0.2];

    // Act
    const score = combineWeights(weights);

    // Assert
    expect(score).toBe(0.8); // 1 - 0.5 * 0.5 * 0.8
  });

  it('does not depend on the order of the weights', () => {
    // Arrange
    const weights = [0.6, 0.3, 0.7, 0.5];

    // Act
    const scores = [combineWeights(weights), combineWeights([...weights].reverse()), combineWeights([0.7, 0.6, 0.5, 0.3])];

    // Assert
    expect(new Set(scores)).toEqual(new Set([0.96]));
  });

  it('stays in [0, 1] and never decreases as weights are added', () => {
    // Arrange
    const weights = [0, 0.05, 0.6, 0.3, 0.99, 0.5, 1, 0.2];

    // Act
    const scores = weights.map((_, i) => combineWeights(weights.slice(0, i + 1)));

    // Assert
    for (const score of scores) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1] ?? 0);
    expect(scores.at(-1)).toBe(1);
  });

  it('never decreases when one weight grows', () => {
    // Arrange
    const grid = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];

    // Act
    const rows = grid.map((w) => combineWeights([0.3, w]));

    // Assert
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThanOrEqual(rows[i - 1] ?? 0);
    expect(rows[0]).toBe(0.3);
    expect(rows.at(-1)).toBe(1);
  });

  it('is at least the largest single weight', () => {
    // Arrange
    const weights = [0.2, 0.85, 0.1];

    // Act
    const score = combineWeights(weights);

    // Assert
    expect(score).toBeGreaterThanOrEqual(0.85);
    expect(score).toBe(0.89); // 1 - 0.8 * 0.15 * 0.9 = 0.892
  });
});

describe('actionFor', () => {
  it.each([
    [0, Action.approve],
    [0.49, Action.approve],
    [0.5, Action.manualReview],
    [0.84, Action.manualReview],
    [0.85, Action.block],
    [1, Action.block],
  ])('score %p with the default thresholds is %p', (score, action) => {
    // Arrange
    const thresholds = RULES.thresholds;

    // Act
    const result = actionFor(score, thresholds);

    // Assert
    expect(result).toBe(action);
  });

  it('uses the configured thresholds', () => {
    // Arrange
    const thresholds = { review: 0.2, block: 0.4 };

    // Act
    const actions = [0.19, 0.2, 0.39, 0.4].map((score) => actionFor(score, thresholds));

    // Assert
    expect(actions).toEqual([Action.approve, Action.manualReview, Action.manualReview, Action.block]);
  });

  it('blocks (never reviews) when review and block thresholds are equal', () => {
    // Arrange
    const thresholds = { review: 0.6, block: 0.6 };

    // Act
    const actions = [0.59, 0.6].map((score) => actionFor(score, thresholds));

    // Assert
    expect(actions).toEqual([Action.approve, Action.block]);
  });
});
