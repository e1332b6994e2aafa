import { formatDuration, parseDuration } from '../../../shared/domain/duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['6m', 360_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    ['0.7s', 700],
  ])('reads %s as %d ms', (text, expected) => {
    // Act
    const ms = parseDuration(text);

    // Assert
    expect(ms).toBe(expected);
  });

  it.each(['6x', '6', '', 'm', '0m', '0ms', '-6m', '+6m', '6 m', ' 6m', '6M', '1e3ms', 'Infinityms'])(
    'rejects %j with a RangeError that quotes it and gives the accepted form',
    (text) => {
      // Act
      const parse = (): number => parseDuration(text);

      // Assert
      expect(parse).toThrow(RangeError);
      expect(parse).toThrow(`invalid duration ${JSON.stringify(text)}: use a positive number with a unit ms, s, m, h or d, e.g. 6m`);
    },
  );

  it('rejects a fraction of a millisecond', () => {
    // Act
    const parse = (): number => parseDuration('0.5ms');

    // Assert
    expect(parse).toThrow(new RangeError('invalid duration "0.5ms": must be a whole number of milliseconds'));
  });

  it('rejects a duration beyond the safe integer range', () => {
    // Act
    const parse = (): number => parseDuration('99999999999999999d');

    // Assert
    expect(parse).toThrow(new RangeError('invalid duration "99999999999999999d": too large'));
  });
});

describe('formatDuration', () => {
  it.each([
    [360_000, '6m'],
    [90_000, '90s'],
    [86_400_000, '1d'],
    [7_200_000, '2h'],
    [1_500, '1500ms'],
    [1, '1ms'],
  ])('formats %d ms as %s', (ms, expected) => {
    // Act
    const text = formatDuration(ms);

    // Assert
    expect(text).toBe(expected);
  });

  it.each([0, -60_000, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (ms) => {
    // Act
    const format = (): string => formatDuration(ms);

    // Assert
    expect(format).toThrow(RangeError);
  });

  it.each(['500ms', '30s', '6m', '1h', '2d', '90m', '36h'])('round-trips %s through parseDuration', (text) => {
    // Act
    const roundTripped = formatDuration(parseDuration(text));

    // Assert
    expect(roundTripped).toBe(text);
  });
});
