import type { Pane } from '../../../shared/domain/panes';
import {
  checkCounters,
  EMPTY_PANE,
  panesByStart,
  paneStart,
  storedPanes,
  windowEndingAt,
  windowOf,
  windowStartFor,
  withEvent,
} from '../../../shared/domain/panes';

const SECOND = 1_000;
const MINUTE = 60_000;
const TIMING = { window: 5 * MINUTE, pane: 30 * SECOND };

/** Panes filled from (time, value) pairs, the way the engine fills them. */
function panesOf(events: ReadonlyArray<readonly [number, number, ...string[]]>): Record<string, Pane> {
  const panes: Record<string, Pane> = {};
  for (const [time, value, ...counted] of events) {
    const key = String(paneStart(time, TIMING.pane));
    panes[key] = withEvent(panes[key], value, counted);
  }
  return panes;
}

describe('panes', () => {
  it('puts an event in the half-open pane [start, start + pane) it falls in, before zero too', () => {
    expect(paneStart(29_999, 30 * SECOND)).toBe(0);
    expect(paneStart(30_000, 30 * SECOND)).toBe(30_000);
    expect(paneStart(-1, 30 * SECOND)).toBe(-30_000);
    expect(Object.is(paneStart(-0, 30 * SECOND), 0)).toBe(true);
  });

  it('counts, sums and keeps min and max, and a counter only for the events that hold for it', () => {
    const pane = withEvent(withEvent(withEvent(undefined, 4, ['small']), 9, []), 2, ['small']);

    expect(pane).toEqual({ count: 3, sum: 15, min: 2, max: 9, small: 2 });
    expect(withEvent(undefined, 7, [])).toEqual({ count: 1, sum: 7, min: 7, max: 7 });
  });

  it('reads the window that ends with the pane holding the time: the 10 panes of the last 5 minutes', () => {
    // Arrange: one event per minute from 12:00 (as minutes 0..7)
    const panes = panesOf([0, 1, 2, 3, 4, 5, 6, 7].map((m) => [m * MINUTE, m + 1] as const));

    // Act: at 7:10, the window is [2:30, 7:30): minutes 3 to 7
    const figures = windowEndingAt(panes, 7 * MINUTE + 10 * SECOND, TIMING);

    // Assert
    expect(windowStartFor(7 * MINUTE + 10 * SECOND, TIMING)).toBe(2 * MINUTE + 30 * SECOND);
    expect(figures).toEqual({ count: 5, sum: 4 + 5 + 6 + 7 + 8, min: 4, max: 8 });
  });

  it('sums the counters of the panes, and leaves out a counter no pane has', () => {
    const panes = panesOf([
      [0, 1, 'small'],
      [40 * SECOND, 2],
      [70 * SECOND, 3, 'small'],
    ]);

    expect(windowEndingAt(panes, 70 * SECOND, TIMING)).toEqual({ count: 3, sum: 6, min: 1, max: 3, small: 2 });
    expect(windowEndingAt(panesOf([[0, 1]]), 0, TIMING)).toEqual({ count: 1, sum: 1, min: 1, max: 1 });
  });

  it("gives the same figures whether it visits the window's slots or the stored panes", () => {
    // Arrange: 12 panes stored (more than the 10 slots of a window) and 3 stored (fewer)
    const many = panesOf(Array.from({ length: 12 }, (_, i) => [i * 30 * SECOND, 0.1 * (i + 1)] as const));
    const few = Object.fromEntries(Object.entries(many).filter(([start]) => Number(start) % (2 * MINUTE) === 0));

    // Act
    const fromMany = windowEndingAt(many, 5 * MINUTE + 40 * SECOND, TIMING);
    const fromFew = windowEndingAt(few, 5 * MINUTE + 40 * SECOND, TIMING);

    // Assert: the window ending with the 5:30 pane is [1:00, 6:00): panes 2..11, of which 2:00 and 4:00 are in `few`
    expect(fromMany.count).toBe(10);
    expect(fromMany.sum).toBe([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].reduce((sum, i) => sum + 0.1 * i, 0));
    expect(fromFew).toEqual({ count: 2, sum: 0.5 + 0.9, min: 0.5, max: 0.9 });
  });

  it('is empty when no pane of the window holds an event', () => {
    expect(windowEndingAt(panesOf([[0, 1]]), 10 * MINUTE, TIMING)).toEqual(EMPTY_PANE);
  });

  it('keeps panes by start while a batch works on them, and stores them back as they were, in the same order', () => {
    // Arrange: stored out of time order (an event within the lateness made the older pane last), at real
    // times (keys below 2^32 would be array indices, which objects always list in numeric order)
    const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
    const stored = panesOf([
      [T0 + 2 * MINUTE, 3],
      [T0, 1, 'small'],
      [T0 + MINUTE, 2],
    ]);

    // Act
    const byStart = panesByStart(stored);
    const back = storedPanes(byStart);

    // Assert
    expect([...byStart.keys()]).toEqual([T0 + 2 * MINUTE, T0, T0 + MINUTE]);
    expect(back).toEqual(stored);
    expect(Object.keys(back)).toEqual([T0 + 2 * MINUTE, T0, T0 + MINUTE].map(String));
  });

  it('reads the same window from panes by start as from stored panes, summed oldest first whatever their order', () => {
    // Arrange: the same panes in time order and out of it
    const inOrder = panesOf([0, 1, 2, 3].map((m) => [m * MINUTE, 0.1 * (m + 1)] as const));
    const outOfOrder = new Map([...panesByStart(inOrder)].reverse());

    // Act
    const figures = [
      windowEndingAt(inOrder, 3 * MINUTE, TIMING),
      windowOf(panesByStart(inOrder), 3 * MINUTE, TIMING),
      windowOf(outOfOrder, 3 * MINUTE, TIMING),
    ];

    // Assert: float sums are the same only when added in the same order
    expect(figures[1]).toEqual(figures[0]);
    expect(figures[2]).toEqual(figures[0]);
    expect(figures[0]?.sum).toBe(0.1 + 0.2 + 0.30000000000000004 + 0.4);
  });

  it('refuses a counter named like a built-in figure', () => {
    expect(() => checkCounters({ count: () => true })).toThrow('counter "count" would overwrite the pane\'s own count');
    expect(() => checkCounters({ small: () => true })).not.toThrow();
  });
});
