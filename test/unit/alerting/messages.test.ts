import { alertFromImage, MalformedAlertError, SMS_MAX_LENGTH, snsMessage } from '../../../shared/alerting/messages';
import { alertItem } from '../../../shared/adapters/dynamodb-items';
import type { Alert } from '../../../shared/domain/alerts';

const ALERT: Alert = {
  alertId: '0f3c2a9d8e7b6a5c4d3e2f1a0b9c8d7e',
  kind: 'fraud',
  severity: 'critical',
  entity: { type: 'user', id: 'user-456' },
  summary: 'Transaction txn-1 blocked (risk 0.92)',
  reasons: ['largeAmount: amount 2500 is at or above 1000', 'impossibleTravel: country FR differs from DE 10m ago'],
  eventIds: ['txn-1'],
  eventTime: '2026-04-25T12:00:00.000Z',
};

type Protocols = Record<string, string>;
const protocols = (alert: Alert): Protocols => JSON.parse(snsMessage(alert).message) as Protocols;

describe('snsMessage', () => {
  it('has an entry for every protocol, `default` included, the machine ones the full alert as JSON', () => {
    const message = protocols(ALERT);
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sms', 'sqs']);
    for (const key of ['default', 'sqs', 'https', 'lambda']) expect(JSON.parse(message[key] ?? '')).toEqual(ALERT);
  });

  it('carries severity, kind, entity and the notification type as attributes for filter policies', () => {
    expect(snsMessage(ALERT).attributes).toEqual({ severity: 'critical', kind: 'fraud', entity: 'user:user-456', notification: 'alert' });
    expect(snsMessage({ ...ALERT, kind: 'sensor', severity: 'warning', entity: { type: 'device', id: 'sensor-17' } }).attributes).toEqual({
      severity: 'warning',
      kind: 'sensor',
      entity: 'device:sensor-17',
      notification: 'alert',
    });
  });

  it("marks an incident's notification as one, and the email gives its figures", () => {
    const incident = {
      id: 'inc-1',
      cause: 'fraud',
      transition: 'opened',
      events: 4,
      firstSeen: '2026-04-25T12:00:00.000Z',
      lastSeen: '2026-04-25T12:00:15.000Z',
      worst: 4.5,
    } as const;
    const notification = { ...ALERT, summary: 'Incident opened: fraud on user-456 (critical, 4 events)', incident };

    expect(snsMessage(notification).attributes.notification).toBe('incident');
    expect(protocols(notification)['sms']).toBe('riskstream CRITICAL: Incident opened: fraud on user-456 (critical, 4 events)');
    expect(protocols(notification)['email']).toContain('Incident:   inc-1 (fraud, opened)');
    expect(protocols(notification)['email']).toContain(
      'Events:     4, first 2026-04-25T12:00:00.000Z, last 2026-04-25T12:00:15.000Z, worst value 4.5',
    );
    expect(JSON.parse(protocols(notification)['sqs'] ?? '{}')).toMatchObject({ incident });
  });

  it('keeps the SMS short: severity and summary, no reasons, at most 140 characters', () => {
    expect(protocols(ALERT)['sms']).toBe('riskstream CRITICAL: Transaction txn-1 blocked (risk 0.92)');
    const long = protocols({ ...ALERT, summary: `Average temperature exceeded limit on ${'sensor-'.repeat(40)}` })['sms'] ?? '';
    expect(long.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(long).toMatch(/^riskstream CRITICAL: Average temperature exceeded limit on sensor-.*\.\.\.$/);
    expect(long).not.toContain('largeAmount');
  });

  it('writes a readable email: summary, severity, kind, entity, event time, reasons as bullets, event and alert ids', () => {
    const email = protocols(ALERT)['email'] ?? '';
    expect(email.split('\n')[0]).toBe('Transaction txn-1 blocked (risk 0.92)');
    expect(email).toContain('Severity:   CRITICAL');
    expect(email).toContain('Kind:       fraud');
    expect(email).toContain('Entity:     user user-456');
    expect(email).toContain('Event time: 2026-04-25T12:00:00.000Z');
    expect(email).toContain(
      'Reasons:\n  - largeAmount: amount 2500 is at or above 1000\n  - impossibleTravel: country FR differs from DE 10m ago\n',
    );
    expect(email).toContain('Event ids:  txn-1');
    expect(email).toContain(`Alert id:   ${ALERT.alertId}`);
  });

  it('masks a card number wherever it appears, in every protocol and attribute', () => {
    const leaky: Alert = {
      ...ALERT,
      entity: { type: 'user', id: '4111111111111111' },
      summary: 'Transaction on card 4111 1111 1111 1111 blocked (risk 0.92)',
      reasons: ['cardTesting: card 5500-0000-0000-0004 tried 4 small amounts'],
    };
    const { message, attributes } = snsMessage(leaky);
    const all = `${message}${JSON.stringify(attributes)}`;
    for (const digits of ['4111111111111111', '4111 1111 1111 1111', '5500-0000-0000-0004', '5500000000000004'])
      expect(all).not.toContain(digits);
    const parsed = JSON.parse(message) as Protocols;
    expect(parsed['email']).toContain('  - cardTesting: card ************0004 tried 4 small amounts');
    expect(parsed['sms']).toContain('card ************1111 blocked');
    expect((JSON.parse(parsed['sqs'] ?? '') as Alert).reasons).toEqual(['cardTesting: card ************0004 tried 4 small amounts']);
    expect(attributes.entity).toBe('user:************1111');
  });
});

describe('alertFromImage', () => {
  const image = (): Record<string, unknown> => JSON.parse(JSON.stringify(alertItem(ALERT, 1_800_000_000))) as Record<string, unknown>;

  it('reads back the alert that alertItem() wrote, without the item-only attributes', () => {
    expect(alertFromImage(image())).toEqual(ALERT);
  });

  it("reads back an incident's notification with its figures", () => {
    const incident = {
      id: 'inc-1',
      cause: 'temperature',
      transition: 'resolved',
      events: 360,
      firstSeen: '2026-04-25T12:00:00.000Z',
      lastSeen: '2026-04-25T12:59:50.000Z',
    } as const;
    const notification = { ...ALERT, eventIds: [], incident };

    expect(alertFromImage(JSON.parse(JSON.stringify(alertItem(notification, 1_800_000_000))) as Record<string, unknown>)).toEqual(
      notification,
    );
  });

  it('names the field that is missing or wrong', () => {
    const noSummary = image();
    delete noSummary['summary'];
    expect(() => alertFromImage(noSummary)).toThrow(new MalformedAlertError('invalid alert: missing required field "summary"'));
    expect(() => alertFromImage({ ...image(), severity: 'loud' })).toThrow('field "severity" must be one of "info", "warning", "critical"');
    expect(() => alertFromImage({ ...image(), reasons: 'many' })).toThrow('field "reasons" must be an array, got string');
    expect(() => alertFromImage({ ...image(), entity: { type: 'user' } })).toThrow('missing required field "entity.id"');
    expect(() => alertFromImage({ ...image(), eventTime: 'yesterday' })).toThrow('field "eventTime" must be an ISO 8601 time');
    expect(() => alertFromImage({ ...image(), alertId: '', eventIds: [7] })).toThrow(
      'invalid alert: field "alertId" must not be empty; field "eventIds.0" must be a string, got number',
    );
  });
});
