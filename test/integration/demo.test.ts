import { runDemo } from '../../local/demo/bounded';
import { takeTraffic } from '../../local/traffic/generator';
import { removeStackFiles } from '../support/subscribed-stack';

/** The bounded demo on the suite's moto: its summary is what the system stored and delivered. */
const STACK = `RiskstreamDemo${Date.now().toString(36)}`;

describe('riskstream demo --events', () => {
  afterAll(() => removeStackFiles(STACK));

  it('scores every generated event, delivers each alert once and measures detection and latency', async () => {
    const summary = await runDemo({ events: 400, seed: 5, stackName: STACK, idleMs: 3000, log: () => undefined });

    const transactions = takeTraffic(400, { seed: 5 }).filter((e) => e.kind === 'transaction').length;
    expect(summary.eventsIn).toBe(400);
    expect(Object.values(summary.decisionsByAction).reduce((a, b) => a + b, 0)).toBe(transactions);
    expect(summary.repeatedDeliveries).toBe(0);
    expect(Object.values(summary.alertsBySeverity).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(summary.detection.precision).toBeGreaterThan(0.5);
    expect(summary.latencyMs.samples).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeLessThanOrEqual(summary.latencyMs.p99);
  }, 300_000);
});
