import { aggregateWindows, assignWindows, tumblingWindowStart, validateWindowSpec } from '../../../shared/domain/windows';
import type { TimedValue, WindowAggregate, WindowSpec } from '../../../shared/domain/windows';

/** The seed's examples are in minutes; the functions are unit-agnostic. */
const at = (time: number, value: number): TimedValue => ({ time, value });

const sums = (aggregates: readonly WindowAggregate[]): Array<{ window: string; sum: number }> =>
  aggregates.map(({ start, end, sum }) => ({ window: `${start}-${end}`, sum }));

describe('aggregateWindows: the seed examples', () => {
  it('tumbling, size 6: [0,6) sums 30 and [6,12) sums 5', () => {
    // Arrange
    const events = [at(1, 10), at(4, 20), at(7, 5)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(sums(aggregates)).toEqual([
      { window: '0-6', sum: 30 },
      { window: '6-12', sum: 5 },
    ]);
    expect(aggregates).toEqual([
      { start: 0, end: 6, count: 2, sum: 30, min: 10, max: 20, avg: 15 },
      { start: 6, end: 12, count: 1, sum: 5, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('hopping, size 6 hop 10: [0,6) sums 30 and [10,16) sums 5', () => {
    // Arrange
    const events = [at(1, 10), at(3, 20), at(11, 5)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'hopping', sizeMs: 6, hopMs: 10 });

    // Assert
    expect(sums(aggregates)).toEqual([
      { window: '0-6', sum: 30 },
      { window: '10-16', sum: 5 },
    ]);
    expect(aggregates).toEqual([
      { start: 0, end: 6, count: 2, sum: 30, min: 10, max: 20, avg: 15 },
      { start: 10, end: 16, count: 1, sum: 5, min: 5, max: 5, avg: 5 },
    ]);
  });

  it('sliding, size 6 slide 2: the seed windows 0-6 = 30, 2-8 = 60, 4-10 = 50 appear with those sums', () => {
    // Arrange
    const events = [at(2, 10), at(4, 20), at(6, 30)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'sliding', sizeMs: 6, slideMs: 2 });

    // Assert
    expect(sums(aggregates)).toEqual(
      expect.arrayContaining([
        { window: '0-6', sum: 30 },
        { window: '2-8', sum: 60 },
        { window: '4-10', sum: 50 },
      ]),
    );
  });

  it('sliding, size 6 slide 2: the complete answer is every non-empty window, from before zero to [6,12)', () => {
    // Arrange
    const events = [at(2, 10), at(4, 20), at(6, 30)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'sliding', sizeMs: 6, slideMs: 2 });

    // Assert
    expect(aggregates).toEqual([
      { start: -2, end: 4, count: 1, sum: 10, min: 10, max: 10, avg: 10 },
      { start: 0, end: 6, count: 2, sum: 30, min: 10, max: 20, avg: 15 },
      { start: 2, end: 8, count: 3, sum: 60, min: 10, max: 30, avg: 20 },
      { start: 4, end: 10, count: 2, sum: 50, min: 20, max: 30, avg: 25 },
      { start: 6, end: 12, count: 1, sum: 30, min: 30, max: 30, avg: 30 },
    ]);
  });
});

describe('assignWindows', () => {
  it('puts an event at a window start in that window', () => {
    // Act
    const windows = assignWindows(6, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(windows).toEqual([{ start: 6, end: 12 }]);
  });

  it('puts an event at a window end in the next window, not that one (half-open)', () => {
    // Act
    const windows = assignWindows(12, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(windows).toEqual([{ start: 12, end: 18 }]);
  });

  it('puts an event just before a window end in that window', () => {
    // Act
    const windows = assignWindows(11, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(windows).toEqual([{ start: 6, end: 12 }]);
  });

  it('gives a sliding event every window containing it, ordered by start, including windows before zero', () => {
    // Act
    const windows = assignWindows(2, { kind: 'sliding', sizeMs: 6, slideMs: 2 });

    // Assert
    expect(windows).toEqual([
      { start: -2, end: 4 },
      { start: 0, end: 6 },
      { start: 2, end: 8 },
    ]);
  });

  it('gives a sliding event ceil(size / slide) windows when the slide does not divide the size', () => {
    // Act
    const windows = assignWindows(9, { kind: 'sliding', sizeMs: 7, slideMs: 3 });

    // Assert
    expect(windows).toEqual([
      { start: 3, end: 10 },
      { start: 6, end: 13 },
      { start: 9, end: 16 },
    ]);
  });

  it('leaves a hopping event in a gap (hop > size) in no window', () => {
    // Act
    const windows = assignWindows(7, { kind: 'hopping', sizeMs: 6, hopMs: 10 });

    // Assert
    expect(windows).toEqual([]);
  });

  it('leaves a hopping event at the end of a window (start of the gap) in no window', () => {
    // Act
    const windows = assignWindows(6, { kind: 'hopping', sizeMs: 6, hopMs: 10 });

    // Assert
    expect(windows).toEqual([]);
  });

  it('puts a hopping event in every overlapping window when hop < size', () => {
    // Act
    const windows = assignWindows(10, { kind: 'hopping', sizeMs: 10, hopMs: 4 });

    // Assert
    expect(windows).toEqual([
      { start: 4, end: 14 },
      { start: 8, end: 18 },
    ]);
  });

  it('aligns negative times down, so -1 is in [-6, 0) and -6 in [-6, 0)', () => {
    // Act
    const justBeforeZero = assignWindows(-1, { kind: 'tumbling', sizeMs: 6 });
    const atNegativeStart = assignWindows(-6, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(justBeforeZero).toEqual([{ start: -6, end: 0 }]);
    expect(atNegativeStart).toEqual([{ start: -6, end: 0 }]);
  });

  it('places negative times in overlapping windows too', () => {
    // Act
    const windows = assignWindows(-3, { kind: 'sliding', sizeMs: 4, slideMs: 2 });

    // Assert
    expect(windows).toEqual([
      { start: -6, end: -2 },
      { start: -4, end: 0 },
    ]);
  });

  it('rejects a non-finite time', () => {
    // Act
    const assign = (): unknown => assignWindows(Number.NaN, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(assign).toThrow(RangeError);
  });
});

describe('tumblingWindowStart', () => {
  it.each([
    [0, 0],
    [5, 0],
    [6, 6],
    [-1, -6],
    [-6, -6],
    [-7, -12],
    [1_777_118_400_001, 1_777_118_400_000],
  ])('aligns %d to %d for size 6 (or 60000 for epoch ms)', (time, expected) => {
    // Arrange
    const sizeMs = time > 1_000_000 ? 60_000 : 6;

    // Act
    const start = tumblingWindowStart(time, sizeMs);

    // Assert
    expect(start).toBe(expected);
  });

  it('returns +0, not -0, for time -0', () => {
    // Act
    const start = tumblingWindowStart(-0, 6);

    // Assert
    expect(Object.is(start, 0)).toBe(true);
  });

  it('rejects a size of zero naming sizeMs', () => {
    // Act
    const align = (): number => tumblingWindowStart(5, 0);

    // Assert
    expect(align).toThrow(/sizeMs/);
  });
});

describe('aggregateWindows', () => {
  it('gives the same answer whatever the input order', () => {
    // Arrange
    const events = [at(2, 0.1), at(4, 0.2), at(6, 0.3), at(6, 0.7), at(13, 1e16), at(13, 1), at(1, -4)];
    const spec: WindowSpec = { kind: 'sliding', sizeMs: 6, slideMs: 2 };
    const reversed = [...events].reverse();
    const shuffled = [events[3], events[6], events[0], events[5], events[2], events[4], events[1]].filter(
      (event): event is TimedValue => event !== undefined,
    );

    // Act
    const inOrder = aggregateWindows(events, spec);
    const fromReversed = aggregateWindows(reversed, spec);
    const fromShuffled = aggregateWindows(shuffled, spec);

    // Assert
    expect(shuffled).toHaveLength(events.length);
    expect(fromReversed).toEqual(inOrder);
    expect(fromShuffled).toEqual(inOrder);
  });

  it('sorts windows by start even when the latest event comes first', () => {
    // Arrange
    const events = [at(20, 1), at(1, 2), at(9, 3)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(aggregates.map(({ start }) => start)).toEqual([0, 6, 18]);
  });

  it('computes min, max and avg with negative and fractional values', () => {
    // Arrange
    const events = [at(0, -5), at(1, 2.5), at(2, 10), at(3, 0.5)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(aggregates).toEqual([{ start: 0, end: 6, count: 4, sum: 8, min: -5, max: 10, avg: 2 }]);
  });

  it('drops hopping gap events and leaves out empty windows', () => {
    // Arrange
    const events = [at(1, 10), at(7, 99), at(9, 99), at(25, 4)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'hopping', sizeMs: 6, hopMs: 10 });

    // Assert
    expect(aggregates).toEqual([
      { start: 0, end: 6, count: 1, sum: 10, min: 10, max: 10, avg: 10 },
      { start: 20, end: 26, count: 1, sum: 4, min: 4, max: 4, avg: 4 },
    ]);
  });

  it('counts an event in every overlapping hopping window (hop < size)', () => {
    // Arrange
    const events = [at(5, 1), at(9, 2)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'hopping', sizeMs: 10, hopMs: 4 });

    // Assert
    expect(sums(aggregates)).toEqual([
      { window: '-4-6', sum: 1 },
      { window: '0-10', sum: 3 },
      { window: '4-14', sum: 3 },
      { window: '8-18', sum: 2 },
    ]);
  });

  it('aggregates negative times into windows before zero', () => {
    // Arrange
    const events = [at(-7, 1), at(-1, 2), at(0, 4)];

    // Act
    const aggregates = aggregateWindows(events, { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(sums(aggregates)).toEqual([
      { window: '-12--6', sum: 1 },
      { window: '-6-0', sum: 2 },
      { window: '0-6', sum: 4 },
    ]);
  });

  it('returns no windows for no events', () => {
    // Act
    const aggregates = aggregateWindows([], { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(aggregates).toEqual([]);
  });

  it('rejects a non-finite value naming its index', () => {
    // Act
    const aggregate = (): unknown => aggregateWindows([at(1, 1), at(2, Number.NaN)], { kind: 'tumbling', sizeMs: 6 });

    // Assert
    expect(aggregate).toThrow(new RangeError('event at index 1: value must be a finite number'));
  });
});

describe('validateWindowSpec', () => {
  it('returns a valid spec unchanged', () => {
    // Arrange
    const spec: WindowSpec = { kind: 'sliding', sizeMs: 6, slideMs: 6 };

    // Act
    const validated = validateWindowSpec(spec);

    // Assert
    expect(validated).toBe(spec);
  });

  it.each<[string, WindowSpec, RegExp]>([
    ['a zero size', { kind: 'tumbling', sizeMs: 0 }, /sizeMs must be a positive finite integer, got 0/],
    ['a negative size', { kind: 'hopping', sizeMs: -6, hopMs: 10 }, /sizeMs must be a positive finite integer, got -6/],
    ['a fractional size', { kind: 'tumbling', sizeMs: 1.5 }, /sizeMs must be a positive finite integer, got 1.5/],
    ['an infinite size', { kind: 'tumbling', sizeMs: Number.POSITIVE_INFINITY }, /sizeMs .* got Infinity/],
    ['a zero hop', { kind: 'hopping', sizeMs: 6, hopMs: 0 }, /hopMs must be a positive finite integer, got 0/],
    ['a NaN hop', { kind: 'hopping', sizeMs: 6, hopMs: Number.NaN }, /hopMs .* got NaN/],
    ['a zero slide', { kind: 'sliding', sizeMs: 6, slideMs: 0 }, /slideMs must be a positive finite integer, got 0/],
    ['a slide longer than the size', { kind: 'sliding', sizeMs: 6, slideMs: 8 }, /slideMs \(8\) must not exceed sizeMs \(6\)/],
  ])('rejects %s with a RangeError naming the field', (_case, spec, message) => {
    // Act
    const validate = (): unknown => validateWindowSpec(spec);

    // Assert
    expect(validate).toThrow(RangeError);
    expect(validate).toThrow(message);
  });

  it('rejects an unknown kind from untyped input', () => {
    // Arrange
    const spec = JSON.parse('{"kind":"session","sizeMs":6}') as WindowSpec;

    // Act
    const validate = (): unknown => validateWindowSpec(spec);

    // Assert
    expect(validate).toThrow(/kind must be one of tumbling, hopping, sliding, got session/);
  });

  it('accepts a hop longer than the size (gaps are allowed for hopping windows)', () => {
    // Arrange
    const spec: WindowSpec = { kind: 'hopping', sizeMs: 6, hopMs: 10 };

    // Act
    const validate = (): unknown => validateWindowSpec(spec);

    // Assert
    expect(validate).not.toThrow();
  });
});
