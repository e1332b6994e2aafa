import { DEFAULT_RULES, RulesConfigError } from '../../../shared/domain/rules-config';
import { mergeRules, proposedRules, rulesDiff } from '../../../shared/domain/rules-versions';

describe('rules versions', () => {
  it('merges a part of a document over the live one, and fills nothing else in', () => {
    const live = proposedRules(DEFAULT_RULES, { transactions: { largeAmount: { amount: 5000 } } });
    const next = proposedRules(live, { transactions: { velocity: { maxCount: 3 } } });

    expect(next.transactions.largeAmount.amount).toBe(5000); // kept from the live version, not the default
    expect(next.transactions.velocity.maxCount).toBe(3);
    expect(rulesDiff(live, next)).toEqual([{ path: 'transactions.velocity.maxCount', from: live.transactions.velocity.maxCount, to: 3 }]);
  });

  it('refuses a proposal with errors that name every bad field', () => {
    let error: unknown;
    try {
      proposedRules(DEFAULT_RULES, { transactions: { largeAmount: { amount: -1 }, velocty: {} } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RulesConfigError);
    expect((error as RulesConfigError).fields).toEqual(expect.arrayContaining(['transactions.largeAmount.amount', 'transactions.velocty']));
  });

  it('lets arrays and values replace, objects merge', () => {
    expect(mergeRules({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
    expect(mergeRules({ a: 1 }, undefined)).toEqual({ a: 1 });
  });

  it('diffs two documents leaf by leaf, in path order', () => {
    expect(rulesDiff({ b: { x: 1, y: 2 }, a: 1 }, { b: { x: 1, y: 3, z: 4 }, a: 1 })).toEqual([
      { path: 'b.y', from: 2, to: 3 },
      { path: 'b.z', from: undefined, to: 4 },
    ]);
    expect(rulesDiff(DEFAULT_RULES, DEFAULT_RULES)).toEqual([]);
  });
});
