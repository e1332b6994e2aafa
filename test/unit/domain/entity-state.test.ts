import { emptyState, stateExpiry } from '../../../shared/domain/entity-state';

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
