import { canonicalIsoMillis, isoTime } from '../../../shared/domain/iso-time';

/** A deterministic spread of times over the years events may carry (2000–9999), each ms apart from its minute. */
function timesAcrossYears(count: number): number[] {
  const first = Date.UTC(2000, 0, 1);
  const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  let seed = 7;
  return Array.from({ length: count }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return first + Math.floor((seed / 2_147_483_648) * (last - first));
  });
}

describe('isoTime', () => {
  it('writes what toISOString writes, across the years and within one minute', () => {
    // Arrange: times far apart, then times in one minute (where the minute's text is reused), out of order
    const minute = Date.UTC(2026, 3, 25, 12, 7);
    const times = [...timesAcrossYears(20_000), minute + 59_999, minute, minute + 9, minute + 99, minute + 1_000, minute + 10_010];

    // Act & Assert
    for (const time of times) expect(isoTime(time)).toBe(new Date(time).toISOString());
  });

  it('writes the edges of the calendar: leap days, the year 9999, the epoch', () => {
    const edges = [
      0,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 1, 28),
      Date.UTC(2024, 11, 31, 23, 59, 59, 1),
      253_402_300_799_999,
    ];
    for (const time of edges) expect(isoTime(time)).toBe(new Date(time).toISOString());
  });

  it('leaves any other time to toISOString: before 1970, after 9999, a fraction of a millisecond', () => {
    for (const time of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) expect(isoTime(time)).toBe(new Date(time).toISOString());
  });
});

describe('canonicalIsoMillis', () => {
  it('reads what toISOString writes as Date.parse reads it', () => {
    for (const time of timesAcrossYears(20_000)) {
      const text = new Date(time).toISOString();
      expect(canonicalIsoMillis(text)).toBe(Date.parse(text));
    }
  });

  it('refuses dates and times no calendar has, which Date.parse would roll over', () => {
    for (const text of [
      '2026-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:60.000Z',
    ])
      expect(canonicalIsoMillis(text)).toBeNaN();
    expect(canonicalIsoMillis('2024-02-29T00:00:00.000Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('leaves every other form to the slow path (NaN): no milliseconds, an offset, a space, other characters', () => {
    for (const text of [
      '2026-04-25T12:00:00Z',
      '2026-04-25T12:00:00.000+00:00',
      '2026-04-25 12:00:00.000Z',
      '2026-04-25T12:00:00.0000Z',
      '2026-04-25T12:00:00.00aZ',
      '2026/04/25T12:00:00.000Z',
      '2026-04-25T12:00:00.000z',
      '+02026-04-25T12:00:00.00Z',
    ])
      expect(canonicalIsoMillis(text)).toBeNaN();
  });
});
