import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { entityOf, timeOf } from '../../faults/hostile';
import { makeLedger } from '../../faults/ledger';
import { referenceOf } from '../../faults/reference';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const { window, allowedLateness } = DEFAULT_RULES.transactions;
const BACKDATE = window + allowedLateness + 10 * 60_000;

function hostileLedger() {
  return makeLedger({
    tag: 'h1',
    events: 1_000,
    seed: 3,
    now: NOW,
    restampRate: 0.05,
    refusedNumberRate: 0.01,
    hostile: { skewRate: 0.05, backdate: { rate: 0.01, byMs: BACKDATE }, hotShare: 0.3 },
  });
}

describe('the fault suite ledger under hostile input', () => {
  const ledger = hostileLedger();
  const clean = makeLedger({ tag: 'h1', events: 1_000, seed: 3, now: NOW });

  it('moves about 30 % of the transactions to one hot user', () => {
    const transactions = ledger.events.filter((e) => e.kind === 'transaction');
    const hot = transactions.filter((e) => e.event['userId'] === 'h1-hot').length;

    expect(hot / transactions.length).toBeGreaterThan(0.25);
    expect(hot / transactions.length).toBeLessThan(0.35);
  });

  it('dates events ahead by up to 14 minutes, past the moment they are put only when last of their entity', () => {
    const lastOf = new Map(ledger.events.map((e, i) => [`${e.kind}:${entityOf(e)}`, i]));
    const ahead = ledger.events.filter((e, i) => timeOf(e) > timeOf(clean.events[i] ?? e));
    const future = ledger.events.filter((e) => timeOf(e) > NOW);

    expect(ahead.length).toBeGreaterThan(20);
    expect(future.every((e) => lastOf.get(`${e.kind}:${entityOf(e)}`) === ledger.events.indexOf(e))).toBe(true);
    expect(Math.max(...ledger.events.map(timeOf))).toBeLessThanOrEqual(NOW + 14 * 60_000);
  });

  it('keeps every event id distinct, readings renamed by their new time', () => {
    expect(new Set(ledger.events.map((e) => e.id)).size).toBe(ledger.events.length);
    for (const e of ledger.events.filter((r) => r.kind === 'reading')) expect(e.id).toBe(`${entityOf(e)}@${String(e.event['timestamp'])}`);
  });

  it('back-dates some events past their window and its lateness, which the reference leaves uncounted', async () => {
    const reference = await referenceOf(ledger, DEFAULT_RULES);
    const counted = [...reference.windows.values()].reduce((n, w) => n + w.count, 0);
    const late = [...reference.decisions.values()].filter((d) => d.late).length;

    const backdated = ledger.events.filter((e, i) => timeOf(e) < timeOf(clean.events[i] ?? e) - window - allowedLateness);

    expect(backdated.length).toBeGreaterThan(0);
    expect(late).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(ledger.events.length - backdated.length);
  });

  it('puts re-stamped resends of transactions and records with numbers DynamoDB cannot store', () => {
    const resends = ledger.records.filter((r) => r.role === 'duplicate');
    const refused = ledger.records.filter((r) => r.poison?.kind === 'refused number');

    expect(resends.length).toBeGreaterThan(10);
    expect(resends.every((r) => r.stream === 'transactions')).toBe(true);
    expect(refused).toHaveLength(10);
    expect(refused.every((r) => /1e-200/.test(r.data.toString()))).toBe(true);
  });
});
