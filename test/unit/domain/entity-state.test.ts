import type { RecentCommit } from '../../../shared/domain/entity-state';
import { emptyState, knowsCommitsSince, RECENT_LIMITS, stateExpiry, withCommit } from '../../../shared/domain/entity-state';

describe('stateExpiry', () => {
  const timing = { window: 5 * 60_000, allowedLateness: 10 * 60_000 };
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
  const commit = (version: number, n: number): RecentCommit => ({ version, ids: Array.from({ length: n }, (_, i) => `${version}-${i}`) });

  it('keeps at most RECENT_LIMITS.commits commits, dropping the oldest', () => {
    let recent: RecentCommit[] = [];
    for (let v = 1; v <= 40; v++) recent = withCommit(recent, commit(v, 1));

    expect(recent.map((c) => c.version)).toEqual(
      Array.from({ length: RECENT_LIMITS.commits }, (_, i) => 40 - RECENT_LIMITS.commits + 1 + i),
    );
  });

  it('keeps no more than RECENT_LIMITS.ids ids beyond the newest commit, which it keeps whole', () => {
    const recent = withCommit([commit(1, 600), commit(2, 300)], commit(3, 2_000));

    expect(recent.map((c) => c.version)).toEqual([3]);
    expect(withCommit([commit(1, 600), commit(2, 300)], commit(3, 100)).map((c) => c.version)).toEqual([1, 2, 3]);
    expect(withCommit([commit(1, 600), commit(2, 300)], commit(3, 101)).map((c) => c.version)).toEqual([2, 3]);
  });

  it('knows every commit since a version while the recent ones reach back to the one after it', () => {
    const state = { ...emptyState(), version: 10, recent: [commit(8, 1), commit(9, 1), commit(10, 1)] };

    expect(knowsCommitsSince(state, 10)).toBe(true); // nothing committed since
    expect(knowsCommitsSince(state, 7)).toBe(true); // 8, 9 and 10 are kept
    expect(knowsCommitsSince(state, 6)).toBe(false); // 7 was dropped
    expect(knowsCommitsSince(state, 12)).toBe(false); // a version the item never had (an item made anew)
    expect(knowsCommitsSince({ ...state, recent: [] }, 9)).toBe(false); // an item from before recent commits were kept
  });
});
