import type { OpenIncidents, Snoozes } from './incidents';
import type { OwnPane, Pane, PaneTiming } from './panes';
import { addToPane, firstPane, ownPanesByStart, paneStart, storedPanes, windowEndingAt, windowOf } from './panes';

/**
 * The state of one entity (a user or a device): its slide-sized aggregates ("panes", see panes.ts), its
 * last-seen facts, and the ids of the events its last few commits applied.
 *
 * One item per entity is the unit of atomicity: an event's contribution to its window and the
 * record that it was applied change together in one write, so a crash can never count an event
 * without remembering it (or remember it without counting it). Only the recent commits' ids live
 * here, a bounded number whatever the entity's rate: each event also has a stored record of its own
 * (a transaction's decision, a reading's status), written before the commit, which says what the
 * entity's version was when it was judged. A record whose id is in no recent commit, while every
 * commit since its version is recent, belongs to a commit that never happened (see score-batch).
 */
/**
 * The ids (the model's short ids) the entity's last commits applied, in one string: commits oldest
 * first, separated by a newline, their ids by a space (short ids hold neither). One string, not an
 * array of arrays: every event of every batch looks an id up here, and a few hundred bytes in one
 * place cost one or two cache lines where objects spread over the heap cost one miss each (that was
 * 40 % of the scoring CPU with 2,000 users in memory).
 */
export interface RecentCommits {
  /** The version the oldest commit made; the others follow one by one. */
  readonly from: number;
  /** '' when there are none. */
  readonly ids: string;
}

export const NO_RECENT: RecentCommits = { from: 0, ids: '' };

/**
 * How many commits' ids an entity item keeps: at most `commits` of them and `ids` ids in all, the
 * newest commit kept whole whatever its size (a batch at most), so the item stays a few KB at any rate.
 */
export const RECENT_LIMITS = { commits: 32, ids: 1_000 } as const;

export interface EntityState<Last> {
  /** Bumped by every change; conditional writes compare it. 0 for an entity never stored. */
  readonly version: number;
  /** The latest event time this entity has seen (epoch ms), or null before its first event. */
  readonly watermark: number | null;
  /** Keyed by the pane start in epoch ms (as a string: the shape of a DynamoDB map). */
  readonly panes: Readonly<Record<string, Pane>>;
  /** The pane length the panes were cut by (absent on items from before panes had one: 5-minute windows). */
  readonly pane?: number;
  /** The ids of its last commits (see RECENT_LIMITS). */
  readonly recent: RecentCommits;
  readonly last?: Last;
  /** Its open incidents by cause (absent when none). */
  readonly incidents?: OpenIncidents;
  /** Causes an operator snoozed, until when (absent when none runs). */
  readonly snoozed?: Snoozes;
  /** When, by the stream's clock, time passing next changes its incidents (epoch ms): when the sweep looks. */
  readonly incidentsDue?: number;
}

export interface WindowTiming extends PaneTiming {
  /** How long after its pane's end an event still counts; a later one is judged but counted nowhere. */
  readonly allowedLateness: number;
}

export const EventStatus = { applied: 'applied', duplicate: 'duplicate', late: 'late' } as const;
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];

export function emptyState<Last>(): EntityState<Last> {
  return { version: 0, watermark: null, panes: {}, recent: NO_RECENT };
}

/**
 * Whether an event at this time is too late to count: the entity's watermark passed its pane's
 * end plus the allowed lateness. (Whether it was applied before is asked by id, whatever its time
 * says: a producer may re-stamp a resend.)
 */
export function isLate(state: { readonly watermark: number | null }, time: number, timing: WindowTiming): boolean {
  return state.watermark !== null && paneStart(time, timing.pane) + timing.pane + timing.allowedLateness <= state.watermark;
}

/**
 * Whether no event that can still count reads this pane: the earliest one that is not late ends
 * its window after `start + window + allowedLateness` (see isLate), so the pane can be dropped once
 * the watermark passed that.
 */
function isUnread(start: number, watermark: number | null, timing: WindowTiming): boolean {
  return watermark !== null && start + timing.window + timing.allowedLateness <= watermark;
}

/** The recent commits, oldest first, each as its list of ids. */
export function recentCommits(recent: RecentCommits): Array<{ readonly version: number; readonly ids: string[] }> {
  if (recent.ids === '') return [];
  return recent.ids.split('\n').map((ids, i) => ({ version: recent.from + i, ids: ids.split(' ') }));
}

/** Every id the state's recent commits applied. */
export function recentIds(state: EntityState<unknown>): Set<string> {
  return new Set(recentCommits(state.recent).flatMap((commit) => commit.ids));
}

/** Whether an id is among the recent commits': a whole id, between separators, in the one string. */
export function isRecent(state: EntityState<unknown>, id: string): boolean {
  const { ids } = state.recent;
  if (id === '') return false;
  for (let at = ids.indexOf(id); at !== -1; at = ids.indexOf(id, at + 1)) {
    const end = at + id.length;
    if ((at === 0 || isSeparator(ids, at - 1)) && (end === ids.length || isSeparator(ids, end))) return true;
  }
  return false;
}

function isSeparator(text: string, at: number): boolean {
  const char = text.charCodeAt(at);
  return char === 32 || char === 10;
}

/**
 * Whether the recent commits account for every commit after `version`: then an event judged at
 * that version and in none of them was never committed. False when older ones were dropped.
 */
export function knowsCommitsSince(state: EntityState<unknown>, version: number): boolean {
  if (state.version === version) return true;
  return state.recent.ids !== '' && version < state.version && state.recent.from <= version + 1;
}

/** The recent commits with one more (the version it makes, its ids), the oldest dropped beyond RECENT_LIMITS. */
export function withCommit(recent: RecentCommits, version: number, applied: readonly string[]): RecentCommits {
  const older = recent.ids === '' ? [] : recent.ids.split('\n');
  let from = older.length;
  let ids = applied.length;
  while (from > 0 && older.length - from < RECENT_LIMITS.commits - 1) {
    ids += countIds(older[from - 1] as string);
    if (ids > RECENT_LIMITS.ids) break;
    from--;
  }
  const kept = older.slice(from);
  kept.push(applied.join(' '));
  return { from: version - kept.length + 1, ids: kept.join('\n') };
}

function countIds(commit: string): number {
  let count = 1;
  for (let i = 0; i < commit.length; i++) if (commit.charCodeAt(i) === 32) count++;
  return count;
}

/** The figures of the window that ends at `time` (to the pane), summed from the state's panes. */
export function windowAt(state: EntityState<unknown> | WorkingState<unknown>, time: number, timing: WindowTiming): Pane {
  return state.panes instanceof Map ? windowOf(state.panes, time, timing) : windowEndingAt(state.panes, time, timing);
}

/**
 * The copy of a state that one batch's events are applied to, in place: the entity as the batch has
 * made it so far. Its panes are its own, by start (see `panesByStart`); `committedState` gives them
 * their stored form once the batch is done.
 */
export interface WorkingState<Last> {
  readonly version: number;
  watermark: number | null;
  /** Its own copies: events are added to them in place (see `applyToPane`). */
  readonly panes: Map<number, OwnPane>;
  pane: number;
  recent: RecentCommits;
  last?: Last;
  incidents?: OpenIncidents;
  snoozed?: Snoozes;
  incidentsDue?: number;
}

/**
 * A working copy whose panes are cut by `pane`. Panes cut by another length (a changed config, or an
 * item from the tumbling-window release) cannot be summed into these windows: they are dropped, and
 * the windows start afresh (for at most a window and the lateness, the rules see less history).
 * Counting stays exactly-once: which events were applied is in the recent commits, not the panes.
 */
export function workingCopy<Last>(state: EntityState<Last>, pane: number): WorkingState<Last> {
  // Every field present, always in this order: the loop reads them for every event, and working
  // states that gained their fields one by one would each have a shape of their own, so every read
  // of them would have to tell the shapes apart.
  return {
    version: state.version,
    watermark: state.watermark,
    panes: state.pane === pane ? ownPanesByStart(state.panes) : new Map(),
    pane,
    recent: state.recent,
    last: state.last,
    incidents: state.incidents,
    snoozed: state.snoozed,
    incidentsDue: state.incidentsDue,
  };
}

/** The state a working copy has come to, its panes in their stored form (and no field that holds nothing). */
export function committedState<Last>(working: WorkingState<Last>): EntityState<Last> {
  const { last, incidents, snoozed, incidentsDue, ...always } = working;
  return {
    ...always,
    panes: storedPanes(working.panes),
    ...(last === undefined ? {} : { last }),
    ...(incidents === undefined ? {} : { incidents }),
    ...(snoozed === undefined ? {} : { snoozed }),
    ...(incidentsDue === undefined ? {} : { incidentsDue }),
  };
}

/** Adds one event to its pane of the working copy; `counted` names the model's counters it holds for. */
export function applyToPane<Last>(
  working: WorkingState<Last>,
  event: { readonly time: number; readonly value: number; readonly counted: readonly string[] },
  timing: WindowTiming,
): void {
  const start = paneStart(event.time, timing.pane);
  const pane = working.panes.get(start);
  if (pane === undefined) working.panes.set(start, firstPane(event.value, event.counted));
  else addToPane(pane, event.value, event.counted);
}

/**
 * Moves the watermark to an applied event's time, but never past the moment the stream accepted
 * the event: a producer's clock running ahead (up to the skew the decoder allows) would otherwise
 * close the windows of every correct event after it, and those would all come out late.
 */
export function advanceWatermark(working: WorkingState<unknown>, time: number, arrival: number | undefined): void {
  const trusted = arrival === undefined ? time : Math.min(time, arrival);
  working.watermark = working.watermark === null ? trusted : Math.max(working.watermark, trusted);
}

/** Drops from the working copy the panes no window that can still take events reads. */
export function pruneClosedPanes(working: WorkingState<unknown>, timing: WindowTiming): void {
  // A Map may lose entries while it is iterated: the iteration goes on with the next one.
  for (const start of working.panes.keys()) if (isUnread(start, working.watermark, timing)) working.panes.delete(start);
}

/**
 * When the stored state may be deleted: the idempotency horizon (`keepFor`: how long after its
 * arrival a record can be delivered again, the streams' retention) after the last window it holds
 * has closed, counted from the later of its watermark and now. So TTL never deletes the item of an
 * event that can still come back, and a backfill of old events never writes an item that TTL may
 * delete while its windows still take events. An item TTL has not deleted yet is harmless: panes
 * no window reads any more are ignored.
 */
export function stateExpiry(state: EntityState<unknown>, timing: WindowTiming, now: number, keepFor: number): number {
  const base = Math.max(state.watermark ?? 0, now);
  return Math.ceil((base + timing.window + timing.allowedLateness + keepFor) / 1000);
}
