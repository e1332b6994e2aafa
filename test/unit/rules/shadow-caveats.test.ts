import { shadowCaveats } from '../../../local/rules/rules-admin';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { proposedRules } from '../../../shared/domain/rules-versions';

describe('the caveats of a shadow report', () => {
  it('names the settings the shadow cannot judge on the live rules’ window state, and sends them to a backtest', () => {
    const candidate = proposedRules(DEFAULT_RULES, {
      transactions: { cardTesting: { smallAmount: 10 }, pane: '60s', largeAmount: { amount: 500 } },
      readings: { allowedLateness: '1h' },
    });

    const caveats = shadowCaveats(DEFAULT_RULES, candidate);

    expect(caveats.map((c) => c.slice(0, c.indexOf(' differs')))).toEqual([
      'readings.allowedLateness',
      'transactions.cardTesting.smallAmount',
      'transactions.pane',
    ]);
    expect(caveats[1]).toMatch(/counted with 5; run `riskstream backtest` for this change/);
  });

  it('has none for a candidate that changes weights and thresholds only', () => {
    expect(shadowCaveats(DEFAULT_RULES, proposedRules(DEFAULT_RULES, { transactions: { thresholds: { review: 0.4 } } }))).toEqual([]);
  });
});
