import type { Pane } from './panes';
import { paneStart, sumPanes, withEvent } from './panes';

export type WindowSpec =
  | { readonly kind: 'tumbling'; readonly sizeMs: number }
  | { readonly kind: 'hopping'; readonly sizeMs: number; readonly hopMs: number }
  | { readonly kind: 'sliding'; readonly sizeMs: number; readonly slideMs: number };

export type WindowKind = WindowSpec['kind'];

export const WINDOW_KINDS = ['tumbling', 'hopping', 'sliding'] as const satisfies readonly WindowKind[];

/** Half-open `[start, end)`, in whatever integer unit the caller's times use. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export interface TimedValue {
  readonly time: number;
  readonly value: number;
}

export interface WindowAggregate {
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
}

function requirePositiveInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`invalid window spec: ${field} must be a positive finite integer, got ${String(value)}`);
  }
}

function requireFiniteTime(time: number): void {
  if (!Number.isFinite(time)) throw new RangeError(`invalid event time: expected a finite number, got ${String(time)}`);
}

export function validateWindowSpec(spec: WindowSpec): WindowSpec {
  switch (spec.kind) {
    case 'tumbling':
      requirePositiveInteger('sizeMs', spec.sizeMs);
      return spec;
    case 'hopping':
      requirePositiveInteger('sizeMs', spec.sizeMs);
      requirePositiveInteger('hopMs', spec.hopMs);
      return spec;
    case 'sliding':
      requirePositiveInteger('sizeMs', spec.sizeMs);
      requirePositiveInteger('slideMs', spec.slideMs);
      if (spec.slideMs > spec.sizeMs) {
        throw new RangeError(
          `invalid window spec: slideMs (${spec.slideMs}) must not exceed sizeMs (${spec.sizeMs}); ` +
            'a slide longer than the size leaves gaps, which is a hopping window',
        );
      }
      return spec;
    default: {
      const kind: unknown = (spec as { readonly kind: unknown }).kind;
      throw new RangeError(`invalid window spec: kind must be one of ${WINDOW_KINDS.join(', ')}, got ${String(kind)}`);
    }
  }
}

/** Floor alignment to multiples of `periodMs`; `+ 0` turns -0 into 0. */
function alignDown(time: number, periodMs: number): number {
  return Math.floor(time / periodMs) * periodMs + 0;
}

export function tumblingWindowStart(time: number, sizeMs: number): number {
  requireFiniteTime(time);
  requirePositiveInteger('sizeMs', sizeMs);
  return alignDown(time, sizeMs);
}

/** Every window of `sizeMs` that starts at a multiple of `periodMs` and contains `time`, by start.
 * Hopping (period = hop), sliding (period = slide) and tumbling (period = size) are all this. */
function windowsStartingEvery(time: number, sizeMs: number, periodMs: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let start = alignDown(time, periodMs); start > time - sizeMs; start -= periodMs) {
    windows.push({ start, end: start + sizeMs });
  }
  return windows.reverse();
}

function periodOf(spec: WindowSpec): number {
  switch (spec.kind) {
    case 'tumbling':
      return spec.sizeMs;
    case 'hopping':
      return spec.hopMs;
    case 'sliding':
      return spec.slideMs;
  }
}

/** Every window containing `time`, ordered by start; empty when `time` falls in a hopping gap. */
export function assignWindows(time: number, spec: WindowSpec): TimeWindow[] {
  validateWindowSpec(spec);
  requireFiniteTime(time);
  return windowsStartingEvery(time, spec.sizeMs, periodOf(spec));
}

function byTimeThenValue(a: TimedValue, b: TimedValue): number {
  return a.time - b.time || a.value - b.value;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/**
 * Every non-empty window with its count, sum, min, max and average, ordered by start. Computed as
 * the pipeline computes its windows: the events go into panes (here as long as the largest span
 * that divides both the size and the period), and each window is the sum of its panes.
 */
export function aggregateWindows(events: ReadonlyArray<TimedValue>, spec: WindowSpec): WindowAggregate[] {
  validateWindowSpec(spec);
  events.forEach((event, index) => {
    if (!Number.isFinite(event.time)) throw new RangeError(`event at index ${index}: time must be a finite number`);
    if (!Number.isFinite(event.value)) throw new RangeError(`event at index ${index}: value must be a finite number`);
  });

  // Floating-point addition is not associative: adding in one canonical order makes the sums
  // identical whatever order the events arrived in.
  const ordered = [...events].sort(byTimeThenValue);
  const period = periodOf(spec);
  const pane = greatestCommonDivisor(spec.sizeMs, period);
  const panes = new Map<number, Pane>();
  const windowStarts = new Set<number>();
  for (const { time, value } of ordered) {
    const start = paneStart(time, pane);
    panes.set(start, withEvent(panes.get(start), value, []));
    for (const window of windowsStartingEvery(time, spec.sizeMs, period)) windowStarts.add(window.start);
  }
  // Panes by start, so each window finds its own with a binary search: a window of many short panes
  // holds few of them, and visiting every pane for every window would be quadratic.
  const paneStarts = [...panes.keys()].sort((a, b) => a - b);
  return [...windowStarts]
    .sort((a, b) => a - b)
    .map((start) => {
      const inWindow: Pane[] = [];
      for (let i = firstAtOrAfter(paneStarts, start); i < paneStarts.length && (paneStarts[i] as number) < start + spec.sizeMs; i++)
        inWindow.push(panes.get(paneStarts[i] as number) as Pane);
      const { count, sum, min, max } = sumPanes(inWindow);
      return { start, end: start + spec.sizeMs, count, sum, min, max, avg: sum / count };
    });
}

function firstAtOrAfter(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
