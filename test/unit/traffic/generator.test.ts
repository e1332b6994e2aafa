import { validateAnyEvent } from '../../../shared/kinds/registry';
import { takeTraffic } from '../../../local/traffic/generator';

describe('traffic generator', () => {
  it('is reproducible: the same seed gives the same events, another seed others', () => {
    const a = takeTraffic(300, { seed: 42 });
    const b = takeTraffic(300, { seed: 42 });
    const c = takeTraffic(300, { seed: 43 });

    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('makes only valid events, in event-time order, whose ids are the scorer’s own', () => {
    const events = takeTraffic(3000, { seed: 7 });

    const validations = events.map((e) => validateAnyEvent(e.event));
    expect(validations.filter((v) => !v.ok)).toEqual([]);
    expect(validations.map((v) => (v.ok ? v.value.id : ''))).toEqual(events.map((e) => e.id));
    const times = validations.map((v) => (v.ok ? v.value.time : 0));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('mixes normal traffic with every kind of labelled anomaly, grouped in scenarios', () => {
    const events = takeTraffic(20_000, { seed: 3 });
    const labels = new Set(events.map((e) => e.label));

    expect(labels).toEqual(
      new Set([
        'normal',
        'velocity',
        'card_testing',
        'impossible_travel',
        'large_amount',
        'risky_merchant',
        'overheating',
        'jump',
        'drift',
      ]),
    );
    const anomalous = events.filter((e) => e.label !== 'normal');
    expect(anomalous.length / events.length).toBeGreaterThan(0.02);
    expect(anomalous.length / events.length).toBeLessThan(0.2);
    expect(anomalous.every((e) => e.scenario !== undefined)).toBe(true);
    const velocity = events.filter((e) => e.label === 'velocity');
    const oneBurst = velocity.filter((e) => e.scenario === velocity[0]?.scenario);
    expect(oneBurst).toHaveLength(8);
    expect(new Set(oneBurst.map((e) => e.partitionKey)).size).toBe(1);
  });

  it('keeps labels out of the events themselves', () => {
    const events = takeTraffic(500, { seed: 5 });

    expect(events.some((e) => JSON.stringify(e.event).includes('label'))).toBe(false);
  });

  it('interleaved, lets scenarios unfold while other traffic goes on, so event time follows the clock', () => {
    const options = { seed: 9, start: 0, meanGapMs: 100 };
    const sequential = takeTraffic(5000, options);
    const interleaved = takeTraffic(5000, { ...options, interleave: true });
    const time = (e: (typeof sequential)[number]) => Date.parse(String(e.event['timestamp']));

    // A scenario's pauses (up to 25 minutes before an impossible-travel purchase) no longer stall the stream.
    expect(time(sequential.at(-1) ?? sequential[0]!)).toBeGreaterThan(4 * 5000 * 100);
    expect(time(interleaved.at(-1) ?? interleaved[0]!)).toBeLessThan(1.3 * 5000 * 100);
    const times = interleaved.map(time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(interleaved.map((e) => e.id)).size).toBe(interleaved.length);
    // Every kind of anomaly still happens, and a multi-event scenario comes out whole once its time has come.
    expect(new Set(interleaved.map((e) => e.label))).toEqual(new Set(sequential.map((e) => e.label)));
    // (A burst takes under two minutes: those started in the stream's last two minutes may be cut off.)
    const velocity = new Map<number, { count: number; first: number }>();
    for (const e of interleaved)
      if (e.label === 'velocity' && e.scenario !== undefined) {
        const burst = velocity.get(e.scenario) ?? { count: 0, first: time(e) };
        velocity.set(e.scenario, { ...burst, count: burst.count + 1 });
      }
    const end = time(interleaved.at(-1) ?? interleaved[0]!);
    const whole = [...velocity.values()].filter((b) => b.first < end - 2 * 60_000);
    expect(whole.length).toBeGreaterThan(0);
    expect(whole.every((b) => b.count === 8)).toBe(true);
  });

  it('lets a normal card holder buy at most once a minute, so a normal label is never a real burst', () => {
    const events = takeTraffic(5000, { seed: 1, users: 100, transactionShare: 1, start: 0 });
    const lastPurchase = new Map<string, number>();
    let closest = Infinity;
    for (const e of events) {
      if (e.kind !== 'transaction' || e.label !== 'normal') continue;
      const time = Date.parse(String(e.event['timestamp']));
      const previous = lastPurchase.get(e.partitionKey);
      if (previous !== undefined) closest = Math.min(closest, time - previous);
      lastPurchase.set(e.partitionKey, time);
    }

    expect(lastPurchase.size).toBeGreaterThan(50);
    expect(closest).toBeGreaterThanOrEqual(60_000);
  });
});
