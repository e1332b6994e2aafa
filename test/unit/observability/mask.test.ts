import { snsMessage } from '../../../shared/alerting/messages';
import type { Alert } from '../../../shared/domain/alerts';
import { maskCardId, maskCardNumbers, maskingReplacer } from '../../../shared/observability/mask';

describe('maskCardNumbers', () => {
  it.each([
    ['digits only', '4111111111111111'],
    ['grouped by spaces', '4111 1111 1111 1111'],
    ['grouped by dashes', '4111-1111-1111-1111'],
    ['grouped by dots', '4111.1111.1111.1111'],
    ['grouped unevenly, separators mixed', '41-111111 1111.1111'],
  ])('keeps only the last four digits of a 16-digit card number (%s)', (_case, pan) => {
    // Act
    const masked = maskCardNumbers(`card ${pan} declined`);

    // Assert
    expect(masked).toBe('card ************1111 declined');
  });

  it.each([
    ['after an underscore', 'card_4111111111111111', 'card_************1111'],
    ['after letters', 'pan4111111111111111', 'pan************1111'],
    ['between letters', 'x4111111111111111y', 'x************1111y'],
    ['grouped, after letters', 'pan4111.1111.1111.1111_end', 'pan************1111_end'],
    ['after an equals sign, before a comma', 'pan=4111111111111111,amount=25', 'pan=************1111,amount=25'],
    ['in a key', 'limit_4111111111111111_hit', 'limit_************1111_hit'],
  ])('finds a card number glued to other text (%s)', (_case, text, expected) => {
    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(expected);
  });

  it('masks every card number in a text, whatever its length between 13 and 19 digits', () => {
    // Arrange
    const text = 'a=5500005555555559 b=378282246310005 c=4000056655665556783 d=4222222222222';

    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(`a=${'*'.repeat(12)}5559 b=${'*'.repeat(11)}0005 c=${'*'.repeat(15)}6783 d=${'*'.repeat(9)}2222`);
  });

  it('masks two grouped card numbers in a row as two, keeping the separator between them', () => {
    // Act
    const masked = maskCardNumbers('cards 4111 1111 1111 1111 5500 0000 0000 0004 linked');

    // Assert
    expect(masked).toBe('cards ************1111 ************0004 linked');
  });

  it.each([
    ['a count after it', 'card 4111 1111 1111 1111 4 attempts', 'card ************1111 4 attempts'],
    ['a date before it', 'on 2026-04-25 4111-1111-1111-1111 declined', 'on 2026-04-25 ************1111 declined'],
    ['an amount before it', 'charged 2500.00 4111111111111111', 'charged 2500.00 ************1111'],
    ['zeros before it', 'ids 0 00 4111 1111 1111 1111', 'ids 0 00 ************1111'],
    [
      'a long id before it',
      '49650000000000000000000000000000000000000000000001234 4111111111111111',
      '49650000000000000000000000000000000000000000000001234 ************1111',
    ],
  ])('finds a card number next to another number, separated by a single separator (%s)', (_case, text, expected) => {
    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(expected);
  });

  it('masks a zero-padded card number, keeping the padding', () => {
    // Act
    const masked = maskCardNumbers('pan 0004111111111111111');

    // Assert
    expect(masked).toBe('pan 000************1111');
  });

  it('masks the whole stretch when a neighbouring number happens to extend a card into a longer Luhn-valid one, showing only its last four', () => {
    // Arrange: 4111111111111111 and 41111111111111112 both pass the Luhn check; which one is the card cannot be told
    const text = 'card 4111 1111 1111 1111 2 attempts';

    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe('card *************1112 attempts');
  });

  it.each([
    ['an amount', 'amount 2500.75 EUR'],
    ['an amount with cents', 'amount 2500.00'],
    ['an 8-digit id', 'order 12345678 shipped'],
    ['an 11-digit number', 'ref 12345678901'],
    ['a 12-digit number that passes the Luhn check', 'ref 123456789015'],
    ['a 16-digit number that fails the Luhn check', 'order 4111111111111112'],
    ['a grouped 16-digit number that fails the Luhn check', 'order 4111 1111 1111 1112'],
    ['a 13-digit order number that fails the Luhn check', 'order 1234567890123'],
    ['a 20-digit run (it passes the Luhn check and starts with a valid card number)', 'ref 41111111111111110000'],
    ['a Kinesis sequence number', '49650000000000000000000000000000000000000000000001234'],
    ['zeros', 'balance 0000000000000000'],
    ['a 20-digit zero-padded number', 'ref 00004111111111111111'],
    ['an ISO date', 'date 2026-04-25'],
    ['an ISO timestamp', '2026-04-25T12:00:00Z'],
    ['an ISO timestamp with milliseconds', '2026-04-25T12:00:00.000Z'],
    ['a log timestamp', '2026-04-25 12:00:00.123'],
    ['epoch milliseconds that fail the Luhn check', 'at 1777118400000'],
    ['an international phone number', 'call +49 170 1234567'],
    ['a US phone number', 'call +1 415-555-0132'],
    ['an IP address', 'from 192.168.100.200'],
    ['a version', 'version 1.22.333'],
    ['a UUID', 'request 9f1c2e7a-3b4d-4c5e-8f60-718293a4b5c6'],
    ['a UUID holding Luhn-valid digits', 'request 68712644-9617-4074-bf1c-8a62c983b173'],
    ['an X-Ray trace id holding Luhn-valid digits', 'Root=1-6a0c5b80-85493963269076e825211a87;Sampled=1'],
    ['an alert id holding Luhn-valid digits', 'alert 06138695435445118d5220943affb795'],
    ['a sequence of small numbers', 'batch 1 of 3, record 17 of 250'],
  ])('leaves %s untouched', (_case, text) => {
    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(text);
  });

  it('masks epoch milliseconds in a string when they happen to pass the Luhn check (1 in 10 do): a masked time is cheaper than a leaked card', () => {
    // Act
    const masked = maskCardNumbers('at 1777118400003');

    // Assert
    expect(masked).toBe('at *********0003');
  });

  it.each([
    ['digits and spaces', '1 '],
    ['card-like groups and spaces', '4111 '],
    ['digits and dashes', '12-'],
    ['digits and dots', '9.'],
    ['digits only', '7'],
    ['digits, separators doubled', '41--11  11..'],
    ['hex digits', 'a1'],
    ['hex digits and dashes', '1-a-'],
  ])('finishes a 100 KB line of %s quickly', (_case, unit) => {
    // Arrange
    const line = unit.repeat(Math.ceil(100_000 / unit.length));

    // Act
    const started = performance.now();
    maskCardNumbers(line);
    const elapsedMs = performance.now() - started;

    // Assert
    expect(elapsedMs).toBeLessThan(200);
  });
});

describe('snsMessage (shared/alerting/messages) masks through maskCardNumbers', () => {
  const alert: Alert = {
    alertId: '0f3c2a9d8e7b6a5c4d3e2f1a0b9c8d7e',
    kind: 'fraud',
    severity: 'critical',
    entity: { type: 'user', id: 'user-456' },
    summary: 'Transaction txn-1 on card_4111111111111111 blocked',
    reasons: ['cardTesting: pan4111.1111.1111.1111 tried 4 small amounts', 'velocity: 4111 1111 1111 1111 used 9 times'],
    eventIds: ['txn-1'],
    eventTime: '2026-04-25T12:00:00.000Z',
  };

  it('leaves no card number in the summary or the reasons, in any protocol', () => {
    // Act
    const { message } = snsMessage(alert);
    const protocols = JSON.parse(message) as Record<string, string>;

    // Assert
    expect(message).not.toMatch(/4111[ .]?1111[ .]?1111[ .]?1111/);
    expect((JSON.parse(protocols['sqs'] ?? '') as Alert).reasons).toEqual([
      'cardTesting: pan************1111 tried 4 small amounts',
      'velocity: ************1111 used 9 times',
    ]);
    expect(protocols['sms']).toBe('riskstream CRITICAL: Transaction txn-1 on card_************1111 blocked');
    expect(protocols['email']).toContain('  - cardTesting: pan************1111 tried 4 small amounts');
  });

  it('keeps the alert id whole, even when its digits would pass the Luhn check', () => {
    // Arrange: 6138695435445118 passes the Luhn check
    const alertId = '06138695435445118d5220943affb795';

    // Act
    const { message } = snsMessage({ ...alert, alertId });
    const protocols = JSON.parse(message) as Record<string, string>;

    // Assert
    expect((JSON.parse(protocols['default'] ?? '') as Alert).alertId).toBe(alertId);
    expect(protocols['email']).toContain(`Alert id:   ${alertId}`);
  });
});

describe('maskCardId', () => {
  it('keeps only the last four characters, whatever the id looks like', () => {
    // Act
    const masked = maskCardId('tok_visa_abcd9876');

    // Assert
    expect(masked).toBe('*************9876');
  });

  it('masks an id of four characters or fewer completely', () => {
    // Act
    const masked = [maskCardId('1234'), maskCardId('12')];

    // Assert
    expect(masked).toEqual(['****', '****']);
  });
});

describe('maskingReplacer', () => {
  it('masks the cardId field except its last four characters', () => {
    // Arrange
    const entry = { transactionId: 'txn-123', cardId: 'card-0042-7781' };

    // Act
    const json = JSON.stringify(entry, maskingReplacer);

    // Assert
    expect(JSON.parse(json)).toEqual({ transactionId: 'txn-123', cardId: '**********7781' });
  });

  it('masks the other card keys too (cardNumber, pan), even when short or not digits', () => {
    // Arrange
    const entry = { cardNumber: '4111111111111111', pan: 'ab' };

    // Act
    const json = JSON.stringify(entry, maskingReplacer);

    // Assert
    expect(JSON.parse(json)).toEqual({ cardNumber: '************1111', pan: '****' });
  });

  it('masks card numbers inside other string values, nested ones included', () => {
    // Arrange
    const entry = {
      message: 'charge on 4111 1111 1111 1111 failed',
      error: { detail: 'pan=5500-0055-5555-5559' },
      list: ['4000056655665556'],
    };

    // Act
    const json = JSON.stringify(entry, maskingReplacer);

    // Assert
    expect(JSON.parse(json)).toEqual({
      message: 'charge on ************1111 failed',
      error: { detail: 'pan=************5559' },
      list: ['************5556'],
    });
  });

  it('leaves values that are not strings untouched', () => {
    // Arrange
    const values: unknown[] = [2500, true, null, undefined, { a: 1 }, [1, 2]];

    // Act
    const results = values.map((value) => maskingReplacer('amount', value));

    // Assert
    results.forEach((result, i) => expect(result).toBe(values[i]));
  });

  it('leaves strings without card numbers untouched', () => {
    // Arrange
    const entry = { userId: 'user-456', amount: 2500, country: 'DE', timestamp: '2026-04-25T12:00:00Z', orderId: '12345678' };

    // Act
    const json = JSON.stringify(entry, maskingReplacer);

    // Assert
    expect(json).toBe(JSON.stringify(entry));
  });
});
