import { runDemo } from '../../local/demo/bounded';
import { expectedOrderOutcomes } from '../../local/demo/order-outcomes';
import { DEFAULT_ORDER_SHARE, takeTraffic } from '../../local/traffic/generator';
import { removeStackFiles } from '../support/subscribed-stack';

/** The bounded demo on the suite's moto: its summary is what the system stored and delivered. */
const STACK = `RiskstreamDemo${Date.now().toString(36)}`;

describe('riskstream demo --events', () => {
  afterAll(() => removeStackFiles(STACK));

  it('scores every generated event, joins every order, delivers each alert once and measures detection and latency', async () => {
    // Seed 7's first 400 events hold orders of all four outcomes.
    const summary = await runDemo({ events: 400, seed: 7, stackName: STACK, idleMs: 3000, log: () => undefined });

    const traffic = takeTraffic(400, { seed: 7, orderShare: DEFAULT_ORDER_SHARE });
    const transactions = traffic.filter((e) => e.kind === 'transaction').length;
    // Every join window has closed by the end (the demo's is a minute; its events end a minute ago):
    // each order ended as its labels and the sides put say, none still waits.
    const expected = expectedOrderOutcomes(traffic);
    expect(expected).toEqual({ joined: 22, amount_mismatch: 2, unpaid: 2, orphan_payment: 1, waiting: 0 });
    expect(summary.orders).toEqual({ ...expected, expected });
    expect(summary.eventsIn).toBe(400);
    expect(Object.values(summary.decisionsByAction).reduce((a, b) => a + b, 0)).toBe(transactions);
    expect(summary.repeatedDeliveries).toBe(0);
    expect(Object.values(summary.alertsBySeverity).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(summary.detection.precision).toBeGreaterThan(0.5);
    expect(summary.latencyMs.samples).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeLessThanOrEqual(summary.latencyMs.p99);
  }, 300_000);
});
