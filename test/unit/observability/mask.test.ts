import { maskCardId, maskCardNumbers, maskingReplacer } from '../../../shared/observability/mask';

describe('maskCardNumbers', () => {
  it.each([
    ['digits only', '4111111111111111'],
    ['grouped by spaces', '4111 1111 1111 1111'],
    ['grouped by dashes', '4111-1111-1111-1111'],
  ])('keeps only the last four digits of a 16-digit card number (%s)', (_case, pan) => {
    // Act
    const masked = maskCardNumbers(`card ${pan} declined`);

    // Assert
    expect(masked).toBe('card ************1111 declined');
  });

  it('masks every card number in a text, whatever its length between 12 and 19 digits', () => {
    // Arrange
    const text = 'a=5500005555555559 b=378282246310005 c=4000056655665556789';

    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(`a=${'*'.repeat(12)}5559 b=${'*'.repeat(11)}0005 c=${'*'.repeat(15)}6789`);
  });

  it.each([
    ['an amount', 'amount 2500.75 EUR'],
    ['an 8-digit id', 'order 12345678 shipped'],
    ['an 11-digit number', 'ref 12345678901'],
    ['an ISO timestamp', '2026-04-25T12:00:00Z'],
    ['a Kinesis sequence number', '49650000000000000000000000000000000000000000000001234'],
  ])('leaves %s untouched', (_case, text) => {
    // Act
    const masked = maskCardNumbers(text);

    // Assert
    expect(masked).toBe(text);
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
