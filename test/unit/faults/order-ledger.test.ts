import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import { makeLedger } from '../../faults/ledger';
import { referenceOf } from '../../faults/reference';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('the fault suite ledger’s orders', () => {
  const ledger = makeLedger({ tag: 'o1', events: 1_000, seed: 5, now: NOW, orders: 200, duplicateRate: 0.05 });
  const sidesPut = (role: 'event' | 'duplicate') => ledger.records.filter((r) => r.stream === 'orders' && r.role === role);

  it('puts every side once on the orders stream under its order id, each order’s sides in its order, a few twice', () => {
    const firsts = sidesPut('event');
    const index = new Map(firsts.map((r, i) => [r.eventId, i]));

    expect(firsts).toHaveLength(ledger.orderSides.length);
    expect(new Set(firsts.map((r) => r.eventId)).size).toBe(firsts.length);
    expect(firsts.every((r) => r.partitionKey === JSON.parse(r.data.toString())['orderId'])).toBe(true);
    // The payment of a "payment first" order is put before its order, every other order before its payment.
    for (const side of ledger.orderSides.filter((s) => s.id.includes('-pay-'))) {
      const orderAt = index.get(side.orderId);
      if (orderAt === undefined) continue;
      expect((index.get(side.id) ?? 0) < orderAt).toBe(side.scenario === 'paid, payment first');
    }
    expect(sidesPut('duplicate').length).toBeGreaterThan(5);
    expect(sidesPut('duplicate').length).toBeLessThan(40);
  });

  it('is the same ledger for the same seed, and another for another seed', () => {
    const again = makeLedger({ tag: 'o1', events: 1_000, seed: 5, now: NOW, orders: 200, duplicateRate: 0.05 });
    const other = makeLedger({ tag: 'o1', events: 1_000, seed: 6, now: NOW, orders: 200, duplicateRate: 0.05 });

    expect(again.records.map((r) => r.data.toString())).toEqual(ledger.records.map((r) => r.data.toString()));
    expect(other.records.map((r) => r.data.toString())).not.toEqual(ledger.records.map((r) => r.data.toString()));
  });

  it('gives the reference every outcome events decide, the others waiting, and an alert for each flagged one', async () => {
    const reference = await referenceOf(ledger, DEFAULT_RULES);
    const outcomes = [...reference.joins.values()];
    const count = (outcome: string | undefined) => outcomes.filter((o) => o === outcome).length;
    const paymentAlerts = [...reference.alerts.values()].filter((a) => a.kind === 'payment');

    expect(reference.joins.size).toBe(200);
    expect(count('joined')).toBeGreaterThan(90);
    expect(count('amount_mismatch')).toBeGreaterThan(10);
    // Unpaid by a payment dated past the window; an order alone or an orphan payment waits for a sweep.
    expect(count('unpaid')).toBeGreaterThan(10);
    expect(count(undefined)).toBeGreaterThan(20);
    expect(count('orphan_payment')).toBe(0);
    expect(paymentAlerts).toHaveLength(count('amount_mismatch') + count('unpaid'));
  });
});
