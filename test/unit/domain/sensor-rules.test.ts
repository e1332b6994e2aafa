import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import { validateReading } from '../../../shared/kinds/reading';
import type { ReadingRules } from '../../../shared/domain/sensor-rules';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';
import type { ReadingFeatures } from '../../../shared/domain/sensor-rules';
import { evaluateReading, ReadingStatus } from '../../../shared/domain/sensor-rules';

const RULES = DEFAULT_RULES.readings;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

const SEED = { deviceId: 'sensor-17', temperature: 82.4, timestamp: '2026-04-25T12:00:00Z' };

function reading(overrides: Record<string, unknown> = {}): ReadingEnvelope {
  const validation = validateReading({ ...SEED, temperature: 20, ...overrides });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

/** A reading alone in its window, with no earlier reading from the device. */
function alone(envelope: ReadingEnvelope): ReadingFeatures {
  return { windowBefore: { count: 0, sum: 0 }, windowAfter: { count: 1, sum: envelope.event.temperature } };
}

function after(envelope: ReadingEnvelope, previous: { time: number; temperature: number }): ReadingFeatures {
  return { ...alone(envelope), previous };
}

function firedRules(envelope: ReadingEnvelope, features: ReadingFeatures, rules: ReadingRules = RULES): string[] {
  return evaluateReading(envelope, features, rules).findings.map((f) => f.rule);
}

describe('evaluateReading: the seed example', () => {
  it('reports 82.4 as a warning with the alert "Temperature exceeded threshold"', () => {
    // Arrange
    const envelope = reading({ temperature: 82.4 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result).toMatchObject({
      deviceId: 'sensor-17',
      temperature: 82.4,
      status: 'warning',
      alert: 'Temperature exceeded threshold',
      eventTime: '2026-04-25T12:00:00.000Z',
    });
    expect(result.findings).toEqual([
      { rule: 'temperature', level: 'warning', message: 'Temperature exceeded threshold', detail: 'temperature 82.4 above 80' },
    ]);
  });

  it('reports a normal reading as ok, with no alert field at all', () => {
    // Arrange
    const envelope = reading({ temperature: 21.5 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result).toEqual({ deviceId: 'sensor-17', temperature: 21.5, status: 'ok', findings: [], eventTime: '2026-04-25T12:00:00.000Z' });
    expect('alert' in result).toBe(false);
  });
});

describe('threshold rules', () => {
  it.each([
    [80, ReadingStatus.ok],
    [80.1, ReadingStatus.warning],
    [90, ReadingStatus.warning],
    [90.1, ReadingStatus.critical],
    [120, ReadingStatus.critical],
  ])('temperature %p is %p', (temperature, status) => {
    // Arrange
    const envelope = reading({ temperature });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result.status).toBe(status);
  });

  it('a temperature above 90 is critical with the critical alert', () => {
    // Arrange
    const envelope = reading({ temperature: 95 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result.alert).toBe('Temperature exceeded critical threshold');
    expect(result.findings).toEqual([
      { rule: 'temperature', level: 'critical', message: 'Temperature exceeded critical threshold', detail: 'temperature 95 above 90' },
    ]);
  });

  it.each([
    ['humidity', 85, 'ok', undefined],
    ['humidity', 86, 'warning', 'Humidity exceeded threshold'],
    ['humidity', 96, 'critical', 'Humidity exceeded critical threshold'],
    ['pressure', 1050, 'ok', undefined],
    ['pressure', 1060, 'warning', 'Pressure exceeded threshold'],
    ['pressure', 1081, 'critical', 'Pressure exceeded critical threshold'],
  ])('%s %p is %p', (measure, value, status, alert) => {
    // Arrange
    const envelope = reading({ temperature: 20, [measure]: value });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result.status).toBe(status);
    expect(result.alert).toBe(alert);
  });

  it('uses configured levels', () => {
    // Arrange
    const rules = parseRulesConfig({ readings: { temperature: { warning: 30, critical: 40 } } }).readings;
    const envelope = reading({ temperature: 35 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), rules);

    // Assert
    expect(result.status).toBe('warning');
    expect(result.findings[0]?.detail).toBe('temperature 35 above 30');
  });
});

describe('status is the worst finding', () => {
  it('a critical humidity outranks an earlier temperature warning', () => {
    // Arrange
    const envelope = reading({ temperature: 82.4, humidity: 97 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['temperature:warning', 'humidity:critical']);
    expect(result.status).toBe('critical');
    expect(result.alert).toBe('Humidity exceeded critical threshold');
  });

  it('with only warnings, the first warning gives the alert', () => {
    // Arrange
    const envelope = reading({ temperature: 20, humidity: 90, pressure: 1060 });

    // Act
    const result = evaluateReading(envelope, alone(envelope), RULES);

    // Assert
    expect(result.status).toBe('warning');
    expect(result.alert).toBe('Humidity exceeded threshold');
  });

  it('a critical pressure outranks a jump warning', () => {
    // Arrange
    const envelope = reading({ temperature: 60, pressure: 1100 });
    const features = after(envelope, { time: T0 - MINUTE, temperature: 20 });

    // Act
    const result = evaluateReading(envelope, features, RULES);

    // Assert
    expect(result.findings.map((f) => f.rule)).toEqual(['pressure', 'jump']);
    expect(result.status).toBe('critical');
    expect(result.alert).toBe('Pressure exceeded critical threshold');
  });
});

describe('jump rule', () => {
  it('fires on a rise of more than 15 degrees since a reading 1 minute earlier', () => {
    // Arrange
    const envelope = reading({ temperature: 40 });
    const features = after(envelope, { time: T0 - MINUTE, temperature: 20 });

    // Act
    const result = evaluateReading(envelope, features, RULES);

    // Assert
    expect(result.status).toBe('warning');
    expect(result.alert).toBe('Sudden temperature jump');
    expect(result.findings).toEqual([
      { rule: 'jump', level: 'warning', message: 'Sudden temperature jump', detail: 'temperature changed by 20 in 1m (limit 15)' },
    ]);
  });

  it('fires on a fall of more than 15 degrees too', () => {
    // Arrange
    const envelope = reading({ temperature: 4.5 });
    const features = after(envelope, { time: T0 - 2 * MINUTE, temperature: 20 });

    // Act
    const result = evaluateReading(envelope, features, RULES);

    // Assert
    expect(result.findings.map((f) => f.detail)).toEqual(['temperature changed by -15.5 in 2m (limit 15)']);
  });

  it.each([
    ['a change of exactly 15', 35, -MINUTE],
    ['a change of 14.9', 34.9, -MINUTE],
    ['a previous reading 11 minutes earlier (outside within = 10m)', 60, -11 * MINUTE],
    ['a previous reading at the same time', 60, 0],
    ['an out-of-order reading older than the previous one', 60, MINUTE],
  ])('does not fire for %s', (_case, temperature, previousOffset) => {
    // Arrange
    const envelope = reading({ temperature });
    const features = after(envelope, { time: T0 + previousOffset, temperature: 20 });

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).not.toContain('jump');
  });

  it('fires for a reading 9 minutes after the previous one', () => {
    // Arrange
    const envelope = reading({ temperature: 60 });
    const features = after(envelope, { time: T0 - 9 * MINUTE, temperature: 20 });

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).toEqual(['jump']);
  });

  it('does not fire without a previous reading', () => {
    // Arrange
    const envelope = reading({ temperature: 70 });

    // Act
    const rules = firedRules(envelope, alone(envelope));

    // Assert
    expect(rules).toEqual([]);
  });

  it('does not fire when disabled', () => {
    // Arrange
    const rules = parseRulesConfig({ readings: { jump: { enabled: false } } }).readings;
    const envelope = reading({ temperature: 60 });
    const features = after(envelope, { time: T0 - MINUTE, temperature: 20 });

    // Act
    const fired = firedRules(envelope, features, rules);

    // Assert
    expect(fired).toEqual([]);
  });
});

describe('window average rule', () => {
  it('fires on the reading that takes a window of 3 readings above 75', () => {
    // Arrange
    const envelope = reading({ temperature: 78 });
    const features = { windowBefore: { count: 2, sum: 152 }, windowAfter: { count: 3, sum: 230 } };

    // Act
    const result = evaluateReading(envelope, features, RULES);

    // Assert
    expect(result.status).toBe('warning');
    expect(result.alert).toBe('Average temperature exceeded limit');
    expect(result.findings).toEqual([
      {
        rule: 'windowAverage',
        level: 'warning',
        message: 'Average temperature exceeded limit',
        detail: 'average 76.67 over 3 readings in the last 5m (limit 75)',
      },
    ]);
  });

  it('does not fire again on a later reading while the average stays above the limit', () => {
    // Arrange
    const envelope = reading({ temperature: 78 });
    const features = { windowBefore: { count: 3, sum: 230 }, windowAfter: { count: 4, sum: 308 } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).toEqual([]);
  });

  it('fires when a window that already held minCount readings crosses from below to above', () => {
    // Arrange
    const envelope = reading({ temperature: 79 });
    const features = { windowBefore: { count: 3, sum: 222 }, windowAfter: { count: 4, sum: 301 } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).toEqual(['windowAverage']);
  });

  it('does not fire before the window holds minCount readings, however hot', () => {
    // Arrange
    const envelope = reading({ temperature: 79 });
    const features = { windowBefore: { count: 1, sum: 79 }, windowAfter: { count: 2, sum: 158 } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).toEqual([]);
  });

  it('does not fire at an average of exactly the limit', () => {
    // Arrange
    const envelope = reading({ temperature: 75 });
    const features = { windowBefore: { count: 2, sum: 150 }, windowAfter: { count: 3, sum: 225 } };

    // Act
    const rules = firedRules(envelope, features);

    // Assert
    expect(rules).toEqual([]);
  });

  it('respects a configured minCount', () => {
    // Arrange
    const rules = parseRulesConfig({ readings: { windowAverage: { minCount: 5 } } }).readings;
    const envelope = reading({ temperature: 79 });
    const atFour = { windowBefore: { count: 3, sum: 237 }, windowAfter: { count: 4, sum: 316 } };
    const atFive = { windowBefore: { count: 4, sum: 316 }, windowAfter: { count: 5, sum: 395 } };

    // Act
    const fired = [firedRules(envelope, atFour, rules), firedRules(envelope, atFive, rules)];

    // Assert
    expect(fired).toEqual([[], ['windowAverage']]);
  });

  it('does not fire when disabled', () => {
    // Arrange
    const rules = parseRulesConfig({ readings: { windowAverage: { enabled: false } } }).readings;
    const envelope = reading({ temperature: 78 });
    const features = { windowBefore: { count: 2, sum: 152 }, windowAfter: { count: 3, sum: 230 } };

    // Act
    const fired = firedRules(envelope, features, rules);

    // Assert
    expect(fired).toEqual([]);
  });
});
