import { alertId } from '../../../shared/domain/alerts';
import { transactionAlert } from '../../../shared/domain/transaction-engine';
import { readingAlerts } from '../../../shared/domain/reading-engine';
import type { Decision, Reason } from '../../../shared/domain/fraud-rules';
import type { Finding, ReadingResult } from '../../../shared/domain/sensor-rules';

const EVENT_TIME = '2026-04-25T12:00:00.000Z';

const LARGE: Reason = { rule: 'largeAmount', weight: 0.6, detail: 'amount 2500 is at or above 1000' };
const RISKY: Reason = { rule: 'riskyMerchant', weight: 0.3, detail: 'high-risk merchant category crypto' };

function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    transactionId: 'txn-123',
    userId: 'user-456',
    riskScore: 0.6,
    action: 'manual_review_required',
    reasons: [LARGE],
    eventTime: EVENT_TIME,
    ...overrides,
  };
}

const HOT: Finding = {
  rule: 'temperature',
  level: 'warning',
  message: 'Temperature exceeded threshold',
  detail: 'temperature 82.4 above 80',
};
const JUMP: Finding = {
  rule: 'jump',
  level: 'warning',
  message: 'Sudden temperature jump',
  detail: 'temperature changed by 20 in 1m (limit 15)',
};
const HUMID: Finding = {
  rule: 'humidity',
  level: 'critical',
  message: 'Humidity exceeded critical threshold',
  detail: 'humidity 97 above 95',
};
const AVERAGE: Finding = {
  rule: 'windowAverage',
  level: 'warning',
  message: 'Average temperature exceeded limit',
  detail: 'average 76.67 over 3 readings in the last 5m (limit 75)',
};

function result(findings: readonly Finding[]): ReadingResult {
  const worst = findings.find((f) => f.level === 'critical') ?? findings[0];
  return {
    deviceId: 'sensor-17',
    temperature: 82.4,
    status: worst ? worst.level : 'ok',
    ...(worst ? { alert: worst.message } : {}),
    findings,
    eventTime: EVENT_TIME,
  };
}

const READING_ID = 'sensor-17@2026-04-25T12:00:00.000Z';

describe('alertId', () => {
  it('gives the same id for the same kind, entity and scope', () => {
    // Arrange
    const args = ['fraud', 'user-456', 'txn:txn-123'] as const;

    // Act
    const ids = [alertId(...args), alertId(...args)];

    // Assert
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives different ids when the kind, the entity or the scope differs', () => {
    // Arrange
    const base = alertId('fraud', 'user-456', 'txn:txn-123');

    // Act
    const others = [
      alertId('sensor', 'user-456', 'txn:txn-123'),
      alertId('fraud', 'user-457', 'txn:txn-123'),
      alertId('fraud', 'user-456', 'txn:txn-124'),
      alertId('fraud', 'user-456', 'window:0'),
    ];

    // Assert
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it('does not confuse entity and scope when they are concatenated differently', () => {
    // Arrange
    const a = alertId('sensor', 'dev-1', 'reading:x');
    const b = alertId('sensor', 'dev-1reading:', 'x');

    // Act
    const same = a === b;

    // Assert
    expect(same).toBe(false);
  });
});

describe('transactionAlert', () => {
  it('returns no alert when no rule fired', () => {
    // Arrange
    const approved = decision({ riskScore: 0, action: 'approve', reasons: [] });

    // Act
    const alert = transactionAlert(approved);

    // Assert
    expect(alert).toBeUndefined();
  });

  it.each([
    ['block', 'critical', 'blocked'],
    ['manual_review_required', 'warning', 'held for review'],
    ['approve', 'info', 'approved with risk signals'],
  ] as const)('a decision to %s is a %s alert that says "%s"', (action, severity, verb) => {
    // Arrange
    const input = decision({ action, riskScore: 0.6 });

    // Act
    const alert = transactionAlert(input);

    // Assert
    expect(alert?.severity).toBe(severity);
    expect(alert?.summary).toBe(`Transaction txn-123 ${verb} (risk 0.60)`);
  });

  it('describes the seed decision: user entity, reasons, event id and event time', () => {
    // Arrange
    const input = decision({ riskScore: 0.72, reasons: [LARGE, RISKY] });

    // Act
    const alert = transactionAlert(input);

    // Assert
    expect(alert).toEqual({
      alertId: alertId('fraud', 'user-456', 'txn:txn-123:warning'),
      kind: 'fraud',
      severity: 'warning',
      entity: { type: 'user', id: 'user-456' },
      summary: 'Transaction txn-123 held for review (risk 0.72)',
      reasons: ['largeAmount: amount 2500 is at or above 1000', 'riskyMerchant: high-risk merchant category crypto'],
      eventIds: ['txn-123'],
      eventTime: EVENT_TIME,
    });
  });

  it('gives a recomputed decision of the same severity the same alert id, and an escalation a new one', () => {
    // Arrange
    const first = decision({ action: 'manual_review_required' });
    const sameSeverity = decision({ action: 'manual_review_required', riskScore: 0.7, reasons: [LARGE, RISKY] });
    const escalated = decision({ action: 'block', riskScore: 0.9, reasons: [LARGE, RISKY] });

    // Act
    const ids = [first, sameSeverity, escalated].map((d) => transactionAlert(d)?.alertId);

    // Assert
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('gives different transactions different alert ids', () => {
    // Arrange
    const one = decision({ transactionId: 'txn-1' });
    const two = decision({ transactionId: 'txn-2' });

    // Act
    const ids = [transactionAlert(one)?.alertId, transactionAlert(two)?.alertId];

    // Assert
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('readingAlerts', () => {
  it('makes no alert for a reading without findings', () => {
    // Arrange
    const input = result([]);

    // Act
    const alerts = readingAlerts(input, READING_ID);

    // Assert
    expect(alerts).toEqual([]);
  });

  it('makes one reading-scoped alert for the seed reading', () => {
    // Arrange
    const input = result([HOT]);

    // Act
    const alerts = readingAlerts(input, READING_ID);

    // Assert
    expect(alerts).toEqual([
      {
        alertId: alertId('sensor', 'sensor-17', `reading:${READING_ID}:warning`),
        kind: 'sensor',
        severity: 'warning',
        entity: { type: 'device', id: 'sensor-17' },
        summary: 'Temperature exceeded threshold on sensor-17',
        reasons: ['temperature: temperature 82.4 above 80'],
        eventIds: [READING_ID],
        eventTime: EVENT_TIME,
      },
    ]);
  });

  it('puts all of a reading’s own findings in one alert with the worst severity', () => {
    // Arrange
    const input = result([HOT, HUMID, JUMP]);

    // Act
    const alerts = readingAlerts(input, READING_ID);

    // Assert
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: 'critical',
      summary: 'Humidity exceeded critical threshold on sensor-17',
      reasons: [
        'temperature: temperature 82.4 above 80',
        'humidity: humidity 97 above 95',
        'jump: temperature changed by 20 in 1m (limit 15)',
      ],
    });
  });

  it('splits a window average finding into an alert of its own', () => {
    // Arrange
    const input = result([HOT, AVERAGE]);

    // Act
    const alerts = readingAlerts(input, READING_ID);

    // Assert
    expect(alerts.map((a) => ({ id: a.alertId, reasons: a.reasons, summary: a.summary }))).toEqual([
      {
        id: alertId('sensor', 'sensor-17', `reading:${READING_ID}:warning`),
        reasons: ['temperature: temperature 82.4 above 80'],
        summary: 'Temperature exceeded threshold on sensor-17',
      },
      {
        id: alertId('sensor', 'sensor-17', `average:${READING_ID}:warning`),
        reasons: ['windowAverage: average 76.67 over 3 readings in the last 5m (limit 75)'],
        summary: 'Average temperature exceeded limit on sensor-17',
      },
    ]);
  });

  it('makes only the window alert when the window average is the only finding', () => {
    // Arrange
    const input = result([AVERAGE]);

    // Act
    const alerts = readingAlerts(input, READING_ID);

    // Assert
    expect(alerts.map((a) => a.alertId)).toEqual([alertId('sensor', 'sensor-17', `average:${READING_ID}:warning`)]);
    expect(alerts[0]?.eventIds).toEqual([READING_ID]);
  });

  it('gives each crossing of the window average its own alert: two readings, two ids', () => {
    // Arrange
    const otherId = 'sensor-17@2026-04-25T12:01:00.000Z';
    const input = result([HOT, AVERAGE]);

    // Act
    const first = readingAlerts(input, READING_ID).map((a) => a.alertId);
    const second = readingAlerts(input, otherId).map((a) => a.alertId);

    // Assert
    expect(new Set([...first, ...second]).size).toBe(4);
  });
});
