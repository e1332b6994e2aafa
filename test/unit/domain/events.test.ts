import { readingId } from '../../../shared/domain/reading-engine';
import { validateReading } from '../../../shared/kinds/reading';
import { validateTransaction } from '../../../shared/kinds/transaction';
import type { Validation } from '../../../shared/domain/events';
import { reasonOf, SEED_READING, SEED_TRANSACTION, without } from '../../support/seed-events';

const SEED_TIME = Date.UTC(2026, 3, 25, 12, 0, 0);

const CARD_NUMBER = '4111111111111111';

describe('validateTransaction: valid input', () => {
  it('accepts the seed transaction and derives id, entity and event time from it', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation).toEqual({
      ok: true,
      value: { kind: 'transaction', id: 'txn-123', entity: 'user-456', time: SEED_TIME, event: SEED_TRANSACTION },
    });
  });

  it('keeps unknown extra fields on the event', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, channel: 'web', context: { ip: '203.0.113.7' } };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok && validation.value.event).toMatchObject({ channel: 'web', context: { ip: '203.0.113.7' } });
  });

  it('accepts the optional fields when they are well-typed', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, cardId: 'card-9', currency: 'EUR', merchantCategory: 'gambling', deviceId: 'phone-1' };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok && validation.value.event).toMatchObject({
      cardId: 'card-9',
      currency: 'EUR',
      merchantCategory: 'gambling',
      deviceId: 'phone-1',
    });
  });

  it('upper-cases the country', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, country: 'de' };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok && validation.value.event.country).toBe('DE');
  });

  it('accepts epoch milliseconds as the timestamp', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, timestamp: SEED_TIME + 1234 };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok && validation.value.time).toBe(SEED_TIME + 1234);
  });

  it('accepts an ISO time with a numeric offset and converts it to UTC milliseconds', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, timestamp: '2026-04-25T14:00:00+02:00' };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok && validation.value.time).toBe(SEED_TIME);
  });
});

describe('validateTransaction: rejections name the field', () => {
  it.each(['transactionId', 'userId', 'amount', 'country', 'timestamp'])(
    'a missing %s is reported as a missing required field',
    (field) => {
      // Arrange
      const input = without(SEED_TRANSACTION, field);

      // Act
      const reason = reasonOf(validateTransaction(input));

      // Assert
      expect(reason).toBe(`missing required field "${field}"`);
    },
  );

  it.each([
    ['amount', '2500', 'field "amount" must be a number, got string'],
    ['userId', 456, 'field "userId" must be a string, got number'],
    ['transactionId', null, 'field "transactionId" must be a string, got null'],
    ['cardId', 4111, 'field "cardId" must be a string, got number'],
    ['merchantCategory', ['crypto'], 'field "merchantCategory" must be a string, got array'],
    ['timestamp', true, 'field "timestamp" must be an ISO 8601 time or epoch milliseconds, got boolean'],
  ])('a wrong-typed %s names the field, the expected type and the actual type', (field, value, expected) => {
    // Arrange
    const input = { ...SEED_TRANSACTION, [field]: value };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe(expected);
  });

  it('rejects a negative amount', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, amount: -1 };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe('field "amount" must not be negative');
  });

  it('rejects a blank id', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, transactionId: '   ' };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe('field "transactionId" must not be empty');
  });

  it('rejects a country that is not two letters', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, country: 'DEU' };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe('field "country" must be a 2-letter country code');
  });

  it('reports every problem of one event in one reason', () => {
    // Arrange
    const input = { transactionId: 'txn-1', amount: 'lots', country: 'DE', timestamp: SEED_TRANSACTION.timestamp };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason.split('; ').sort()).toEqual(['field "amount" must be a number, got string', 'missing required field "userId"']);
  });

  it('rejects a non-object with the type it got', () => {
    // Arrange
    const input = 'txn-123';

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe('expected a JSON object, got string');
  });
});

describe('validateTransaction: timestamps', () => {
  it.each([
    ['no zone', '2026-04-25T12:00:00'],
    ['garbage', 'yesterday at noon'],
    ['a date only', '2026-04-25'],
    ['a space instead of T', '2026-04-25 12:00:00Z'],
    ['an empty string', ''],
  ])('rejects %s and names the field', (_case, timestamp) => {
    // Arrange
    const input = { ...SEED_TRANSACTION, timestamp };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toMatch(/^field "timestamp" must be an ISO 8601 time with a zone/);
  });

  it('rejects hour 25 as not a real time, naming the field', () => {
    const reason = reasonOf(validateTransaction({ ...SEED_TRANSACTION, timestamp: '2026-04-25T25:00:00Z' }));

    expect(reason).toBe('field "timestamp" is not a real calendar date and time');
  });

  // Date.parse rolls an impossible calendar date over (Feb 30 -> Mar 2): the calendar fields are checked.
  it('rejects an impossible calendar date instead of rolling it over into the next month', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, timestamp: '2026-02-30T12:00:00Z' };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok).toBe(false);
  });

  // A finite epoch number outside Date's range (±8.64e15 ms) would make toISOString() throw later.
  it.each([
    ['2028-02-29T12:00:00Z', true],
    ['2000-02-29T12:00:00Z', true],
    ['2026-02-29T12:00:00Z', false],
    ['2100-02-29T12:00:00Z', false],
    ['2026-04-31T12:00:00Z', false],
    ['2026-12-31T23:59:59.999Z', true],
  ])('knows the days of each month and the leap years: %s is accepted: %s', (timestamp, accepted) => {
    // Act
    const validation = validateTransaction({ ...SEED_TRANSACTION, timestamp });

    // Assert
    expect(validation.ok ? true : validation.reason).toBe(accepted ? true : 'field "timestamp" is not a real calendar date and time');
  });

  it('trims ids and keeps them trimmed in the event', () => {
    // Act
    const validation = validateTransaction({ ...SEED_TRANSACTION, transactionId: '  txn-123 ', userId: 'user-456\t' });

    // Assert
    expect(validation.ok && [validation.value.id, validation.value.entity, validation.value.event.transactionId]).toEqual([
      'txn-123',
      'user-456',
      'txn-123',
    ]);
  });

  it('rejects epoch milliseconds outside the range a Date can represent', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, timestamp: 1e20 };

    // Act
    const validation = validateTransaction(input);

    // Assert
    expect(validation.ok).toBe(false);
  });
});

describe('validation reasons never echo the bad value', () => {
  it.each([
    ['amount', CARD_NUMBER],
    ['country', CARD_NUMBER],
    ['currency', CARD_NUMBER],
    ['timestamp', CARD_NUMBER],
    ['userId', `${CARD_NUMBER}${'0'.repeat(200)}`],
  ])('a card-number-looking string in %s is not in the reason', (field, value) => {
    // Arrange
    const input = { ...SEED_TRANSACTION, [field]: value };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toContain(`"${field}"`);
    expect(reason).not.toContain(CARD_NUMBER);
  });

  it('a card number given as a number in a string field is not in the reason', () => {
    // Arrange
    const input = { ...SEED_TRANSACTION, cardId: Number(CARD_NUMBER) };

    // Act
    const reason = reasonOf(validateTransaction(input));

    // Assert
    expect(reason).toBe('field "cardId" must be a string, got number');
    expect(reason).not.toContain(CARD_NUMBER.slice(0, 8));
  });
});

describe('validateReading', () => {
  it('accepts the seed reading and derives its id from device and event time', () => {
    // Arrange
    const input = { ...SEED_READING };

    // Act
    const validation = validateReading(input);

    // Assert
    expect(validation).toEqual({
      ok: true,
      value: { kind: 'reading', id: 'sensor-17@2026-04-25T12:00:00.000Z', entity: 'sensor-17', time: SEED_TIME, event: SEED_READING },
    });
  });

  it('gives the same id to the same instant written in different forms', () => {
    // Arrange
    const asIso = { ...SEED_READING };
    const asOffset = { ...SEED_READING, timestamp: '2026-04-25T14:00:00+02:00' };
    const asEpoch = { ...SEED_READING, timestamp: SEED_TIME };

    // Act
    const ids = [asIso, asOffset, asEpoch].map((input) => {
      const validation = validateReading(input);
      return validation.ok ? validation.value.id : validation.reason;
    });

    // Assert
    expect(ids).toEqual([readingId('sensor-17', SEED_TIME), readingId('sensor-17', SEED_TIME), readingId('sensor-17', SEED_TIME)]);
  });

  it('takes a timestamp already written as toISOString writes it as the id, for every kind of date', () => {
    // Arrange: canonical UTC timestamps around month, leap-day, year and range edges (the id is then the timestamp itself)
    const times = [
      '2000-01-01T00:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2026-12-31T23:59:59.999Z',
      '2100-03-01T00:00:00.001Z',
      '9999-12-31T23:59:59.999Z',
    ];

    // Act
    const ids = times.map((timestamp) => {
      const validation = validateReading({ ...SEED_READING, timestamp });
      return validation.ok ? validation.value.id : validation.reason;
    });

    // Assert: the same ids as formatted from the event time
    expect(ids).toEqual(times.map((timestamp) => readingId('sensor-17', Date.parse(timestamp))));
  });

  it('still refuses a canonical-looking timestamp that is no real date (it is never taken as an id)', () => {
    // Act
    const reasons = ['2026-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-01-01T24:00:00.000Z'].map((timestamp) => {
      const validation = validateReading({ ...SEED_READING, timestamp });
      return validation.ok ? validation.value.id : validation.reason;
    });

    // Assert
    expect(reasons).toEqual(Array(3).fill('field "timestamp" is not a real calendar date and time'));
  });

  it('gives different ids to different devices and different times', () => {
    // Arrange
    const ids = [readingId('sensor-17', SEED_TIME), readingId('sensor-18', SEED_TIME), readingId('sensor-17', SEED_TIME + 1)];

    // Act
    const distinct = new Set(ids);

    // Assert
    expect(distinct.size).toBe(3);
  });

  it('keeps unknown extra fields and the optional measures', () => {
    // Arrange
    const input = { ...SEED_READING, humidity: 40, pressure: 1013, firmware: '1.2.3' };

    // Act
    const validation = validateReading(input);

    // Assert
    expect(validation.ok && validation.value.event).toEqual({ ...SEED_READING, humidity: 40, pressure: 1013, firmware: '1.2.3' });
  });

  it.each(['deviceId', 'temperature', 'timestamp'])('a missing %s is reported as a missing required field', (field) => {
    // Arrange
    const input = without(SEED_READING, field);

    // Act
    const reason = reasonOf(validateReading(input));

    // Assert
    expect(reason).toBe(`missing required field "${field}"`);
  });

  it.each([
    ['temperature', '82.4', 'field "temperature" must be a number, got string'],
    ['humidity', 'wet', 'field "humidity" must be a number, got string'],
    ['deviceId', 17, 'field "deviceId" must be a string, got number'],
  ])('a wrong-typed %s names the field and the types', (field, value, expected) => {
    // Arrange
    const input = { ...SEED_READING, [field]: value };

    // Act
    const reason = reasonOf(validateReading(input));

    // Assert
    expect(reason).toBe(expected);
  });

  it('rejects a timestamp without a zone', () => {
    // Arrange
    const input = { ...SEED_READING, timestamp: '2026-04-25T12:00:00' };

    // Act
    const reason = reasonOf(validateReading(input));

    // Assert
    expect(reason).toMatch(/^field "timestamp" must be an ISO 8601 time with a zone/);
  });

  // readingId calls new Date(time).toISOString(): an epoch outside Date's range must be rejected first.
  it('returns a rejection, not an exception, for epoch milliseconds outside the Date range', () => {
    // Arrange
    const input = { ...SEED_READING, timestamp: 1e20 };

    // Act
    const validate = (): Validation<unknown> => validateReading(input);

    // Assert
    expect(validate).not.toThrow();
    expect(validate().ok).toBe(false);
  });
});

describe('bounds that keep window sums exact', () => {
  it('rejects an amount above one billion and readings outside physical ranges, naming the field', () => {
    const txn = validateTransaction({ transactionId: 't', userId: 'u', amount: 1e16, country: 'DE', timestamp: '2026-04-25T12:00:00Z' });
    const hot = validateReading({ deviceId: 'd', temperature: 1e12, timestamp: '2026-04-25T12:00:00Z' });
    const wet = validateReading({ deviceId: 'd', temperature: 20, humidity: 140, timestamp: '2026-04-25T12:00:00Z' });

    expect(txn).toEqual({ ok: false, reason: 'field "amount" must be at most 1000000000' });
    expect(hot).toEqual({ ok: false, reason: 'field "temperature" must be at most 10000' });
    expect(wet).toEqual({ ok: false, reason: 'field "humidity" must be at most 100' });
  });

  it('rejects a fractional epoch timestamp', () => {
    const result = validateReading({ deviceId: 'd', temperature: 20, timestamp: 1777118400000.5 });

    expect(result.ok).toBe(false);
  });
});

describe('hostile values are refused at validation, naming the field', () => {
  // A producer that sends epoch seconds would date its events in 1970 (and every one would be late).
  it('refuses a timestamp that looks like epoch seconds', () => {
    // Act
    const reason = reasonOf(validateTransaction({ ...SEED_TRANSACTION, timestamp: 1777118400 }));

    // Assert
    expect(reason).toMatch(/^field "timestamp" looks like epoch seconds/);
  });

  // -1e14 ms is year -1199: its ISO form (-001199-…) is not an ISO 8601 time any alert parser accepts.
  it.each([
    ['year -1199 in epoch milliseconds', -1e14],
    ['1960 in epoch milliseconds', Date.UTC(1960, 0, 1)],
    ['an ISO time before 2000', '1999-12-31T23:59:59Z'],
  ])('refuses %s: event times start at 2000-01-01', (_case, timestamp) => {
    // Act
    const reason = reasonOf(validateReading({ ...SEED_READING, timestamp }));

    // Assert
    expect(reason).toMatch(/^field "timestamp" (must be between 2000-01-01 and 9999-12-31|looks like epoch seconds)/);
  });

  it('accepts the first and the last millisecond of the range', () => {
    // Act
    const first = validateTransaction({ ...SEED_TRANSACTION, timestamp: '2000-01-01T00:00:00Z' });
    const last = validateTransaction({ ...SEED_TRANSACTION, timestamp: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });

    // Assert
    expect([first.ok, last.ok]).toEqual([true, true]);
  });

  // 'card-\ud800' and 'card-\udbff' are different strings that encode to the same UTF-8 (U+FFFD):
  // hashed to one pane id, the second event would be dropped as a duplicate of the first.
  it.each([
    ['transactionId', 'card-\ud800'],
    ['userId', 'user-\udc00'],
    ['cardId', 'x\ud83d'],
    ['merchantCategory', '\udbffgambling'],
  ])('refuses %s with an unpaired surrogate: not well-formed Unicode', (field, value) => {
    // Act
    const reason = reasonOf(validateTransaction({ ...SEED_TRANSACTION, [field]: value }));

    // Assert
    expect(reason).toBe(`field "${field}" must be well-formed Unicode (it holds an unpaired surrogate)`);
  });

  it.each([
    ['a NUL', 'bob\u0000'],
    ['a bell', 'bob\u0007'],
    ['U+FFFF', 'bob\uffff'],
  ])('refuses an id holding %s: it would reach SNS attributes and logs', (_case, userId) => {
    // Act
    const reason = reasonOf(validateTransaction({ ...SEED_TRANSACTION, userId }));

    // Assert
    expect(reason).toBe('field "userId" must not hold control characters');
  });

  it('accepts a paired surrogate (an emoji) in an id', () => {
    // Act
    const validation = validateTransaction({ ...SEED_TRANSACTION, transactionId: 'txn-\ud83d\ude00' });

    // Assert
    expect(validation.ok).toBe(true);
  });

  it('refuses an unpaired surrogate in a device id', () => {
    // Act
    const reason = reasonOf(validateReading({ ...SEED_READING, deviceId: 'sensor-\udfff' }));

    // Assert
    expect(reason).toBe('field "deviceId" must be well-formed Unicode (it holds an unpaired surrogate)');
  });

  // DynamoDB refuses numbers below 1e-130 in magnitude ("Number underflow") on every retry.
  it.each([
    ['amount', 1e-200],
    ['amount', 1e-120],
  ])('refuses a transaction %s of %s that DynamoDB cannot store', (field, value) => {
    // Act
    const reason = reasonOf(validateTransaction({ ...SEED_TRANSACTION, [field]: value }));

    // Assert
    expect(reason).toMatch(new RegExp(`^field "${field}" must be 0 or at least 1e-100 in magnitude`));
  });

  it.each([
    ['temperature', 1e-200],
    ['temperature', -1e-131],
    ['humidity', 5e-324],
    ['pressure', 1e-101],
  ])('refuses a reading %s of %s that DynamoDB cannot store', (field, value) => {
    // Act
    const reason = reasonOf(validateReading({ ...SEED_READING, [field]: value }));

    // Assert
    expect(reason).toMatch(new RegExp(`^field "${field}" must be 0 or at least 1e-100 in magnitude`));
  });

  it('accepts zero and small but storable numbers', () => {
    // Act
    const zero = validateReading({ ...SEED_READING, temperature: 0, humidity: 1e-100 });
    const cents = validateTransaction({ ...SEED_TRANSACTION, amount: 0.01 });

    // Assert
    expect([zero.ok, cents.ok]).toEqual([true, true]);
  });
});
