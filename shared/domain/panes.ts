/**
 * Slide-sized buckets of an entity's events ("panes"), and the windows read from them.
 *
 * A rule asks about the last `window` (say 5 minutes) before an event. Keeping one aggregate per
 * window an event falls in would cost a write per window; keeping one per pane (say 30 s) costs
 * one, and the window ending at any event is the sum of the `window / pane` panes before it, so a
 * burst is judged the same wherever the clock's boundaries fall (to the pane). Panes are aligned to
 * time zero and half-open `[start, start + pane)`, like every window here.
 */
export interface Pane {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** The model's own counts (see `Counters`), by name: how many of the pane's events each holds for. */
  readonly [counter: string]: number;
}

/** What a model counts beyond count, sum, min and max: a name per predicate, e.g. `small` for card testing. */
export type Counters<E> = Readonly<Record<string, (event: E) => boolean>>;

const BUILT_IN = new Set(['count', 'sum', 'min', 'max']);

/** Counter names may not shadow the built-in figures. */
export function checkCounters(counters: Counters<never>): void {
  for (const name of Object.keys(counters))
    if (BUILT_IN.has(name)) throw new RangeError(`counter "${name}" would overwrite the pane's own ${name}`);
}

export interface PaneTiming {
  /** How far back a rule looks, ending at the event: a whole number of panes. */
  readonly window: number;
  /** The slide: windows are read to the pane. */
  readonly pane: number;
}

/** The start of the pane holding `time` (floor alignment; `+ 0` turns -0 into 0). */
export function paneStart(time: number, pane: number): number {
  return Math.floor(time / pane) * pane + 0;
}

/**
 * The key a pane is stored under: its start in decimal, the key of a DynamoDB map. Making the string
 * (and, the first time an object gets it, its property key) costs more than the rest of adding an
 * event, and at any moment the stream's events fall in the same few panes: the keys made lately are
 * kept, a bounded number.
 */
export function paneKey(start: number): string {
  let key = paneKeys.get(start);
  if (key === undefined) {
    if (paneKeys.size >= PANE_KEYS_KEPT) paneKeys.clear();
    key = String(start);
    paneKeys.set(start, key);
  }
  return key;
}

const PANE_KEYS_KEPT = 1_000;
const paneKeys = new Map<number, string>();

/**
 * Stored panes by their start: the form a batch reads and changes them in. An object keyed by
 * timestamps is slow to work on (each key is parsed, made and hashed again, and each new set of keys
 * makes the engine a new hidden class); a map by number is not.
 */
export function panesByStart(panes: Readonly<Record<string, Pane>>): Map<number, Pane> {
  const byStart = new Map<number, Pane>();
  for (const key in panes) byStart.set(+key, panes[key] as Pane);
  return byStart;
}

/** A pane a working state owns (see `ownPanesByStart`): events are added to it in place. */
export type OwnPane = { -readonly [Figure in keyof Pane]: Pane[Figure] };

/**
 * `panesByStart` with each pane copied, for a working state to add events to in place: a new pane
 * object for every event was the scorers' largest allocation, and the stored panes stay untouched.
 */
export function ownPanesByStart(panes: Readonly<Record<string, Pane>>): Map<number, OwnPane> {
  const byStart = new Map<number, OwnPane>();
  for (const key in panes) byStart.set(+key, { ...(panes[key] as Pane) });
  return byStart;
}

/** Adds one event to a pane the caller owns; `counted` names the counters the event holds for. */
export function addToPane(pane: OwnPane, value: number, counted: readonly string[]): void {
  pane.count += 1;
  pane.sum += value;
  pane.min = Math.min(pane.min, value);
  pane.max = Math.max(pane.max, value);
  for (const name of counted) pane[name] = (pane[name] ?? 0) + 1;
}

/** Panes by start as they are stored (keyed by `paneKey`), in the same order. */
export function storedPanes(panes: ReadonlyMap<number, Pane>): Record<string, Pane> {
  const stored: Record<string, Pane> = {};
  for (const [start, pane] of panes) stored[paneKey(start)] = pane;
  return stored;
}

/** The start of the first pane of the window that ends with the pane holding `time`. */
export function windowStartFor(time: number, timing: PaneTiming): number {
  return paneStart(time, timing.pane) + timing.pane - timing.window;
}

/** A pane with one more event: `counted` names the counters the event holds for. */
export function withEvent(pane: Pane | undefined, value: number, counted: readonly string[]): Pane {
  if (pane === undefined) return firstPane(value, counted);
  const next: OwnPane = { ...pane };
  addToPane(next, value, counted);
  return next;
}

/** A new pane of one event. */
export function firstPane(value: number, counted: readonly string[]): OwnPane {
  const pane: OwnPane = { count: 1, sum: value, min: value, max: value };
  for (const name of counted) pane[name] = 1;
  return pane;
}

/** The figures of a window with no events: shared, and frozen, as a window may be handed to a model. */
export const EMPTY_PANE: Pane = Object.freeze({ count: 0, sum: 0, min: 0, max: 0 });

/**
 * Panes added up, in the order given (oldest first keeps float sums the same however they were
 * filled). One pane alone is its own sum, not a copy: the sum is read, never changed.
 */
export function sumPanes(panes: Iterable<Pane>): Pane {
  const sum = new RunningSum();
  for (const pane of panes) sum.add(pane);
  return sum.figures();
}

/** Adds one more pane (a later one) to running figures. */
function addPane(figures: Record<string, number>, pane: Pane): void {
  for (const name in pane) {
    const value = pane[name] as number;
    if (name === 'min') figures['min'] = Math.min(figures['min'] as number, value);
    else if (name === 'max') figures['max'] = Math.max(figures['max'] as number, value);
    else figures[name] = (figures[name] ?? 0) + value;
  }
}

/**
 * The window of `timing.window` that ends with the pane holding `time`: its panes summed (counters
 * included), oldest first. Empty figures are `EMPTY_PANE`.
 */
export function windowEndingAt(panes: Readonly<Record<string, Pane>>, time: number, timing: PaneTiming): Pane {
  return windowOf(panesByStart(panes), time, timing);
}

/**
 * `windowEndingAt` for panes by start. It visits the window's pane slots or the panes, whichever are
 * fewer (a window of many short panes holds few events).
 */
export function windowOf(panes: ReadonlyMap<number, Pane>, time: number, timing: PaneTiming): Pane {
  const last = paneStart(time, timing.pane);
  const first = last + timing.pane - timing.window;
  // Every event of every batch reads a window, so nothing is allocated but the sum itself: panes are
  // mostly kept in time order, and then they are summed as they come; only panes found out of order
  // are gathered and put in order first.
  if (panes.size <= timing.window / timing.pane) {
    const sum = new RunningSum();
    let previous = -Infinity;
    for (const start of panes.keys()) {
      if (start < first || start > last || (start - first) % timing.pane !== 0) continue;
      if (start < previous) return sumInOrder(panes, first, last, timing.pane);
      previous = start;
      sum.add(panes.get(start) as Pane);
    }
    return sum.figures();
  }
  const sum = new RunningSum();
  for (let start = first; start <= last; start += timing.pane) {
    const pane = panes.get(start);
    if (pane !== undefined) sum.add(pane);
  }
  return sum.figures();
}

/** The window's panes summed oldest first, whatever order the map holds them in. */
function sumInOrder(panes: ReadonlyMap<number, Pane>, first: number, last: number, step: number): Pane {
  const starts = [...panes.keys()].filter((start) => start >= first && start <= last && (start - first) % step === 0);
  return sumPanes(starts.sort((a, b) => a - b).map((start) => panes.get(start) as Pane));
}

/** Panes added up one by one, oldest first (sumPanes, and windowOf without a list); one pane alone is its own sum. */
class RunningSum {
  private only: Pane | undefined;
  private running: Record<string, number> | undefined;

  add(pane: Pane): void {
    if (this.running !== undefined) addPane(this.running, pane);
    else if (this.only === undefined) this.only = pane;
    else {
      this.running = { ...this.only };
      addPane(this.running, pane);
    }
  }

  figures(): Pane {
    return (this.running as Pane | undefined) ?? this.only ?? EMPTY_PANE;
  }
}
