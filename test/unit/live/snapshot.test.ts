import { progressLine } from '../../../local/demo/continuous';
import { deliveredAlert } from '../../../local/demo/observer';
import type { LiveSnapshot } from '../../../local/live/snapshot';
import { alertBuckets, Timeline } from '../../../local/live/snapshot';

describe('live figures', () => {
  it('turns sampled counters into per-second rates, keeping the newest samples', () => {
    const timeline = new Timeline(2);
    timeline.sample(0, 0, 0);
    timeline.sample(1000, 40, 30);
    timeline.sample(3000, 100, 110);
    timeline.sample(3000, 100, 110); // no time passed: no point
    timeline.sample(4000, 100, 120);

    expect(timeline.rates()).toEqual([
      { t: 3000, put: 30, scored: 40 },
      { t: 4000, put: 0, scored: 10 },
    ]);
  });

  it('counts alerts by severity per bucket of arrival time, empty buckets included', () => {
    const alert = (severity: string, arrivedAt: number) => ({ alertId: `${severity}${arrivedAt}`, severity, eventIds: [], arrivedAt });
    const buckets = alertBuckets(
      [alert('warning', 5_100), alert('critical', 5_900), alert('warning', 16_000), alert('info', 99_000)],
      5_000,
      17_000,
      5_000,
    );

    expect(buckets).toEqual([
      { t: 5_000, info: 0, warning: 1, critical: 1 },
      { t: 10_000, info: 0, warning: 0, critical: 0 },
      { t: 15_000, info: 0, warning: 1, critical: 0 },
    ]);
    expect(alertBuckets([], 0, 1_000_000, 5_000, 10)).toHaveLength(10);
  });

  it('reads an alert from its SNS-to-SQS envelope', () => {
    const message = {
      alertId: 'a1',
      severity: 'critical',
      kind: 'fraud',
      entity: { type: 'user', id: 'u1' },
      summary: 'Transaction t1 blocked',
      reasons: ['velocity: 8 transactions'],
      eventIds: ['t1'],
    };
    expect(deliveredAlert(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(message) }), 42)).toEqual({
      alertId: 'a1',
      severity: 'critical',
      eventIds: ['t1'],
      arrivedAt: 42,
      kind: 'fraud',
      entity: 'user u1',
      summary: 'Transaction t1 blocked',
      reasons: ['velocity: 8 transactions'],
    });
  });

  it('reads a digest as what it holds', () => {
    const digest = {
      digestId: 'd1',
      summary: 'and 2 more on 2 devices (2 opened)',
      notifications: [
        { alertId: 'n1', severity: 'warning' },
        { alertId: 'n2', severity: 'critical' },
      ],
    };
    expect(deliveredAlert(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(digest) }), 42)).toEqual({
      alertId: 'd1',
      severity: 'critical',
      eventIds: [],
      arrivedAt: 42,
      summary: 'and 2 more on 2 devices (2 opened)',
      digestOf: ['n1', 'n2'],
    });
  });

  it('sums a snapshot up in one progress line', () => {
    const snapshot: LiveSnapshot = {
      mode: 'continuous',
      stackName: 'S',
      startedAt: 0,
      now: 65_000,
      eventsPut: 2600,
      recordsScored: 2590,
      throughput: [{ t: 65_000, put: 40.1, scored: 39 }],
      alertsOverTime: [],
      alertBucketMs: 5000,
      lag: [
        { source: 'a', shardId: 's1', lagMs: 300 },
        { source: 'b', shardId: 's2', lagMs: 1200 },
      ],
      functions: [],
      consumers: [],
      state: {
        decisionsByAction: { approve: 1500, manual_review_required: 12, block: 3 },
        busiestWindows: [],
        openIncidents: [],
        ruleQuality: { labelled: 0, fraud: 0, rules: {} },
        orders: { joined: 120, amount_mismatch: 4, unpaid: 3, orphan_payment: 2, waiting: 9 },
        readAt: 60_000,
      },
      alerts: {
        delivered: 9,
        bySeverity: { critical: 2, warning: 7 },
        notificationsByTransition: { opened: 3 },
        repeatedDeliveries: 0,
        latest: [],
      },
      queues: { quarantine: 5, dlq: { x: 1, y: 0 } },
      detection: { precision: 0.95, recall: 0.4, scenarioRecall: 0.7, labelledEvents: 2595 },
      latencyMs: { p50: 2000, p95: 4000, p99: 5000, samples: 9 },
      notificationLatencyMs: { p50: 400, p95: 1400, p99: 1400, samples: 3 },
      notificationsByChannel: [],
    };
    expect(progressLine(snapshot)).toBe(
      '[01:05] put 2,600 (40.1/s) · scored 2,590 · lag 1.2 s · decisions 1,500 approve / 12 review / 3 block · orders 120 joined / 4 mismatch / 3 unpaid / 2 orphan / 9 waiting · alerts 2 critical / 7 warning / 0 info · notifications 3 · quarantine 5 · dlq 1 · precision 0.95 recall 0.40 · put → notification p95 1.4 s',
    );
  });
});
