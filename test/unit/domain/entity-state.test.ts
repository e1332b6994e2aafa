import type { RecentCommits } from '../../../shared/domain/entity-state';
import {
  emptyState,
  isRecent,
  knowsCommitsSince,
  NO_RECENT,
  RECENT_LIMITS,
  recentCommits,
  recentIds,
  stateExpiry,
  withCommit,
} from '../../../shared/domain/entity-state';

describe('stateExpiry', () => {
  const timing = { window: 5 * 60_000, pane: 30_000, allowedLateness: 10 * 60_000 };
  const now = Date.parse('2026-11-25T12:00:00Z');

  const horizon = 7 * 86_400_000;

  it('keeps a live entity the idempotency horizon past its last open window', () => {
    const state = { ...emptyState(), watermark: now };

    expect(stateExpiry(state, timing, now, horizon)).toBe((now + 15 * 60_000 + horizon) / 1000);
  });

  it('counts a backfill of old events from now, so TTL cannot delete state whose windows still take events', () => {
    const twoDaysAgo = now - 2 * 86_400_000;
    const state = { ...emptyState(), watermark: twoDaysAgo };

    expect(stateExpiry(state, timing, now, horizon) * 1000).toBeGreaterThan(now);
  });
});

describe('the recent commits an entity keeps', () => {
  const ids = (version: number, n: number): string[] => Array.from({ length: n }, (_, i) => `${version}-${i}`);
  /** The recent commits after these, each [version, how many ids], from none. */
  const commits = (...made: Array<[number, number]>): RecentCommits =>
    made.reduce<RecentCommits>((recent, [version, n]) => withCommit(recent, version, ids(version, n)), NO_RECENT);
  const versions = (recent: RecentCommits) => recentCommits(recent).map((c) => c.version);

  it('keeps at most RECENT_LIMITS.commits commits, dropping the oldest', () => {
    const recent = commits(...Array.from({ length: 40 }, (_, i): [number, number] => [i + 1, 1]));

    expect(versions(recent)).toEqual(Array.from({ length: RECENT_LIMITS.commits }, (_, i) => 40 - RECENT_LIMITS.commits + 1 + i));
  });

  it('keeps no more than RECENT_LIMITS.ids ids in all, the newest commit whole whatever its size', () => {
    expect(versions(commits([1, 600], [2, 300], [3, 2_000]))).toEqual([3]);
    expect(versions(commits([1, 600], [2, 300], [3, 100]))).toEqual([1, 2, 3]);
    expect(versions(commits([1, 600], [2, 300], [3, 101]))).toEqual([2, 3]);
  });

  it('finds a whole id among them, never a part of one', () => {
    const state = { ...emptyState(), version: 3, recent: commits([1, 2], [2, 1], [3, 3]) };

    expect(['1-0', '1-1', '2-0', '3-2'].map((id) => isRecent(state, id))).toEqual([true, true, true, true]);
    expect(['1-', '-0', '2-1', '3-3', '1-0 1', ''].map((id) => isRecent(state, id))).toEqual([false, false, false, false, false, false]);
    expect(recentIds(state)).toEqual(new Set(['1-0', '1-1', '2-0', '3-0', '3-1', '3-2']));
  });

  it('knows every commit since a version while the recent ones reach back to the one after it', () => {
    const state = { ...emptyState(), version: 10, recent: commits([8, 1], [9, 1], [10, 1]) };

    expect(knowsCommitsSince(state, 10)).toBe(true); // nothing committed since
    expect(knowsCommitsSince(state, 7)).toBe(true); // 8, 9 and 10 are kept
    expect(knowsCommitsSince(state, 6)).toBe(false); // 7 was dropped
    expect(knowsCommitsSince(state, 12)).toBe(false); // a version the item never had (an item made anew)
    expect(knowsCommitsSince({ ...state, recent: NO_RECENT }, 9)).toBe(false); // an item from before recent commits were kept
  });
});
