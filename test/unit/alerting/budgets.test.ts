import type { BudgetedSubscriber, Digest } from '../../../shared/alerting/budgets';
import {
  budgetWindow,
  DIGEST_JSON_IDS,
  DIGEST_JSON_LISTED,
  DIGEST_LISTED,
  digestId,
  digestMessage,
  heldEntry,
  parseBudgetedSubscribers,
  parseHeldEntry,
  receives,
} from '../../../shared/alerting/budgets';
import type { Alert } from '../../../shared/domain/alerts';

const HOUR = 3_600_000;
const SMS: BudgetedSubscriber = {
  id: 'sms-1',
  protocol: 'sms',
  minSeverity: 'warning',
  notifications: ['incident'],
  budget: { notifications: 10, perMs: HOUR },
};

function notification(device: string, n: number, transition: 'opened' | 'resolved' = 'opened'): Alert {
  return {
    alertId: `${device}-${transition}-${n}`.padEnd(32, '0'),
    kind: 'sensor',
    severity: 'critical',
    entity: { type: 'device', id: device },
    summary: `Incident ${transition}: temperature on ${device} (critical, 3 events)`,
    reasons: ['temperature above 80'],
    eventIds: [],
    eventTime: new Date(Date.UTC(2026, 11, 3, 19, 0, n)).toISOString(),
    incident: { id: `inc-${device}-${n}`, cause: 'temperature', transition, events: 3, firstSeen: '', lastSeen: '' },
  };
}

function digestOf(alerts: readonly Alert[], subscriber = SMS): Digest {
  const window = budgetWindow(Date.UTC(2026, 11, 3, 19, 30), subscriber.budget.perMs);
  return {
    recipient: subscriber.id,
    protocol: subscriber.protocol,
    budget: subscriber.budget,
    windowStart: window.start,
    windowEnd: window.end,
    held: alerts.map((a) => parseHeldEntry(heldEntry(a))),
  };
}

describe('who receives what', () => {
  it('applies the severity floor, the kinds and the notification types as the filter policy did', () => {
    const incident = notification('sensor-1', 1);
    expect(receives(SMS, incident)).toBe(true);
    expect(receives(SMS, { ...incident, severity: 'info' })).toBe(false);
    expect(receives({ ...SMS, kinds: ['fraud'] }, incident)).toBe(false);
    const alert: Alert = { ...incident, incident: undefined };
    expect(receives(SMS, alert)).toBe(false);
    expect(receives({ ...SMS, notifications: ['incident', 'alert'] }, alert)).toBe(true);
  });

  it('aligns budget windows to the epoch: every instant of an hour counts in the same one', () => {
    const start = Date.UTC(2026, 11, 3, 19);
    expect(budgetWindow(start, HOUR)).toEqual({ start, end: start + HOUR });
    expect(budgetWindow(start + HOUR - 1, HOUR)).toEqual({ start, end: start + HOUR });
    expect(budgetWindow(start + HOUR, HOUR).start).toBe(start + HOUR);
  });
});

describe('held entries', () => {
  it('are the same string for the same alert, so holding it twice keeps one', () => {
    const alert = notification('sensor-1', 1);
    expect(heldEntry(alert)).toBe(heldEntry({ ...alert }));
    expect(parseHeldEntry(heldEntry(alert))).toEqual({
      alertId: alert.alertId,
      kind: 'sensor',
      severity: 'critical',
      entity: 'device:sensor-1',
      transition: 'opened',
      summary: alert.summary,
      eventTime: alert.eventTime,
    });
  });

  it('mask card numbers before they are stored', () => {
    const entry = heldEntry({ ...notification('sensor-1', 1), summary: 'card 4111 1111 1111 1111 used' });
    expect(entry).not.toMatch(/4111 1111 1111 1111/);
  });

  it('still count when one cannot be read', () => {
    expect(parseHeldEntry('{not json').alertId).toBe('?');
  });
});

describe('digests', () => {
  const storm = [
    ...Array.from({ length: 20 }, (_, i) => notification(`sensor-${i % 4}`, i)),
    ...Array.from({ length: 7 }, (_, i) => notification(`sensor-${i % 4}`, 30 + i, 'resolved')),
  ];

  it('say "and 27 more on 4 devices" with the transitions, in a text that fits an SMS', () => {
    const { message, attributes } = digestMessage(digestOf(storm));
    const texts = JSON.parse(message) as Record<string, string>;
    expect(texts['sms']).toMatch(/^riskstream: and 27 more on 4 devices \(20 opened, 7 resolved\)/);
    expect(Array.from(texts['sms'] ?? '').length).toBeLessThanOrEqual(140);
    expect(texts['email']).toContain('and 27 more on 4 devices');
    expect(attributes).toEqual({ recipient: SMS.id, notification: 'digest', severity: 'critical' });
  });

  it('list every held notification for machines, and the first ones by time in the email', () => {
    const many = Array.from({ length: DIGEST_LISTED + 3 }, (_, i) => notification(`sensor-${i}`, i));
    const texts = JSON.parse(digestMessage(digestOf(many)).message) as Record<string, string>;
    const json = JSON.parse(texts['default'] ?? '') as { count: number; notifications: Array<{ alertId: string }> };
    expect(json.count).toBe(DIGEST_LISTED + 3);
    expect(new Set(json.notifications.map((n) => n.alertId))).toEqual(new Set(many.map((a) => a.alertId)));
    expect(texts['email']).toContain(`and 3 more (the JSON of this digest lists them by id)`);
    expect(texts['email']).toContain(many[0]?.summary);
    expect(texts['email']).not.toContain(many[DIGEST_LISTED]?.summary);
  });

  it('stay within what SNS takes (256 KB) however many wait: listed in full, then by id, then counted', () => {
    const storm = Array.from({ length: DIGEST_JSON_LISTED + DIGEST_JSON_IDS + 7 }, (_, i) => notification(`sensor-${i % 40}`, i));
    const { message } = digestMessage(digestOf(storm));
    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    const texts = JSON.parse(message) as Record<string, string>;
    expect(Object.keys(texts).sort()).toEqual(['default', 'email', 'sms']); // the machines' protocols fall back to default
    const json = JSON.parse(texts['default'] ?? '') as {
      count: number;
      notifications: unknown[];
      moreAlertIds: string[];
      unlisted: number;
    };
    expect(json.count).toBe(storm.length);
    expect(json.notifications).toHaveLength(DIGEST_JSON_LISTED);
    expect(json.moreAlertIds).toHaveLength(DIGEST_JSON_IDS);
    expect(json.unlisted).toBe(7);
  });

  it('name users and devices apart', () => {
    const user: Alert = { ...notification('x', 1), kind: 'fraud', entity: { type: 'user', id: 'user-1' } };
    const texts = JSON.parse(digestMessage(digestOf([notification('sensor-1', 1), notification('sensor-2', 2), user])).message) as Record<
      string,
      string
    >;
    expect(texts['sms']).toMatch(/and 3 more on 2 devices and 1 user/);
  });

  it('have one id for one recipient, window and set of notifications, in whatever order', () => {
    const digest = digestOf(storm);
    expect(digestId({ ...digest, held: [...digest.held].reverse() })).toBe(digestId(digest));
    expect(digestId({ ...digest, held: digest.held.slice(1) })).not.toBe(digestId(digest));
    expect(digestId({ ...digest, windowStart: digest.windowStart + HOUR })).not.toBe(digestId(digest));
  });
});

describe('BUDGETED_SUBSCRIBERS', () => {
  it('reads what the stack writes, and nothing when unset', () => {
    expect(parseBudgetedSubscribers(JSON.stringify([SMS]))).toEqual([SMS]);
    expect(parseBudgetedSubscribers(undefined)).toEqual([]);
  });

  it('names the field that is wrong', () => {
    expect(() => parseBudgetedSubscribers('[{"id":"SMS 1"}]')).toThrow(
      /BUDGETED_SUBSCRIBERS: 0\.id: must be lowercase letters, digits and dashes/,
    );
    expect(() => parseBudgetedSubscribers(JSON.stringify([{ ...SMS, budget: { notifications: 0, perMs: HOUR } }]))).toThrow(
      /0\.budget\.notifications/,
    );
    expect(() => parseBudgetedSubscribers('nope')).toThrow(/not JSON/);
  });
});
