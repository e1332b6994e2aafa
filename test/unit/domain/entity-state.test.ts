import { emptyState, stateExpiry } from '../../../shared/domain/entity-state';

describe('stateExpiry', () => {
  const timing = { window: 5 * 60_000, allowedLateness: 10 * 60_000 };
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('keeps a live entity a day past its last open window', () => {
    const state = { ...emptyState(), watermark: now };

    expect(stateExpiry(state, timing, now)).toBe((now + 15 * 60_000 + 86_400_000) / 1000);
  });

  it('counts a backfill of old events from now, so TTL cannot delete state whose windows still take events', () => {
    const twoDaysAgo = now - 2 * 86_400_000;
    const state = { ...emptyState(), watermark: twoDaysAgo };

    expect(stateExpiry(state, timing, now) * 1000).toBeGreaterThan(now);
  });
});
