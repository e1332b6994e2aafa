import { channelFigure, summarize } from '../../../local/demo/summary';
import type { LabelledEvent } from '../../../local/traffic/generator';

const event = (id: string, label: LabelledEvent['label'], scenario?: number): LabelledEvent => ({
  kind: 'transaction',
  id,
  partitionKey: 'u',
  event: {},
  label,
  ...(scenario === undefined ? {} : { scenario }),
});

describe('demo summary', () => {
  const traffic = [
    event('a', 'normal'),
    event('b', 'velocity', 1),
    event('c', 'velocity', 1),
    event('d', 'large_amount', 2),
    event('e', 'normal'),
  ];
  const putAt = new Map([
    ['a', 1000],
    ['b', 1000],
    ['c', 1000],
    ['d', 2000],
    ['e', 2000],
  ]);

  it('counts distinct alerts by severity, repeats apart, and detection against the labels', () => {
    const delivered = [
      { alertId: 'x', severity: 'warning', eventIds: ['c'], arrivedAt: 1500 },
      { alertId: 'x', severity: 'warning', eventIds: ['c'], arrivedAt: 1600 }, // delivered twice
      { alertId: 'y', severity: 'critical', eventIds: ['e'], arrivedAt: 4000 }, // a false positive
      { alertId: 'z', severity: 'info', eventIds: ['d'], arrivedAt: 2100 }, // info does not count as detection
      { alertId: 'n', severity: 'warning', eventIds: ['e'], arrivedAt: 4100, transition: 'opened' }, // a notification: no alert, no detection
    ];

    const summary = summarize(traffic, putAt, delivered, { approve: 4, block: 1 }, 2);

    expect(summary).toMatchObject({
      eventsIn: 5,
      eventsPerSecond: 3,
      alertsBySeverity: { warning: 1, critical: 1, info: 1 },
      notificationsByTransition: { opened: 1 },
      repeatedDeliveries: 1,
      detection: { precision: 0.5, recall: 0.333, scenarioRecall: 0.5 },
    });
    expect(summary.latencyMs).toEqual({ p50: 500, p95: 2000, p99: 2000, samples: 3 });
    // e was put at 2000: its notification arrived 2.1 s later.
    expect(summary.notificationLatencyMs).toEqual({ p50: 2100, p95: 2100, p99: 2100, samples: 1 });
  });

  it('judges detection and latency on the scored kinds: orders are judged by their join, whose alerts wait for a window by design', () => {
    const order = (id: string, label: LabelledEvent['label']): LabelledEvent => ({ kind: 'order', id, partitionKey: id, event: {}, label });
    const withOrders = [...traffic, order('o1', 'paid'), order('o2', 'unpaid')];
    const orderPutAt = new Map([...putAt, ['o1', 1000], ['o2', 1000]]);
    const delivered = [
      { alertId: 'x', severity: 'warning', eventIds: ['c'], arrivedAt: 1500 },
      // The unpaid order's alert, once its window closed a minute later: no detection, no latency.
      { alertId: 'p', severity: 'warning', kind: 'payment', eventIds: ['o2'], arrivedAt: 61_000 },
    ];

    const summary = summarize(withOrders, orderPutAt, delivered, {}, 2);

    expect(summary.eventsIn).toBe(7);
    expect(summary.alertsBySeverity).toEqual({ warning: 2 });
    // As without orders: c flagged of b, c, d anomalous; a paid order unflagged is no missed anomaly.
    expect(summary.detection).toEqual({ precision: 1, recall: 0.333, scenarioRecall: 0.5 });
    expect(summary.latencyMs).toEqual({ p50: 500, p95: 500, p99: 500, samples: 1 });
  });

  it('counts a channel’s notifications on their own and in digests, and what still waits for its window', () => {
    const notification = (id: string) => ({ alertId: id, severity: 'warning', eventIds: [], arrivedAt: 1, transition: 'opened' });
    const paged = [
      notification('n1'),
      notification('n1'), // a repeat counts once
      notification('n2'),
      { alertId: 'd1', severity: 'warning', eventIds: [], arrivedAt: 2, digestOf: ['n3', 'n4', 'n5'] },
    ];
    expect(channelFigure('on call', paged, { budget: '2 per 5m', peopleTake: 7 })).toEqual({
      channel: 'on call',
      budget: '2 per 5m',
      notifications: 2,
      digests: 1,
      inDigests: 3,
      waiting: 2,
    });
    expect(channelFigure('every message', paged.slice(0, 3))).toEqual({
      channel: 'every message',
      notifications: 2,
      digests: 0,
      inDigests: 0,
    });
  });
});
