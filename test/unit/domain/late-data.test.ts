import { applyEntityBatch } from '../../../shared/domain/entity-engine';
import type { EntityState } from '../../../shared/domain/entity-state';
import { emptyState, windowAt } from '../../../shared/domain/entity-state';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import { validateReading } from '../../../shared/kinds/reading';
import type { DeviceLast } from '../../../shared/domain/reading-engine';
import { readingModel } from '../../../shared/domain/reading-engine';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';

const MODEL = readingModel(DEFAULT_RULES.readings);
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);

function reading(offset: number, temperature: number): ReadingEnvelope {
  const validation = validateReading({ deviceId: 'sensor-9', temperature, timestamp: new Date(T0 + offset).toISOString() });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

/** A device that read 20° once a minute for `minutes` minutes. */
function calmDevice(minutes: number, model = MODEL): EntityState<DeviceLast> {
  const readings = Array.from({ length: minutes }, (_, i) => reading(i * MINUTE, 20));
  return applyEntityBatch(model, emptyState<DeviceLast>(), readings).state;
}

describe('late data, said out loud', () => {
  it('counts an event within the allowed lateness in its window, and lets it open an incident (a correction)', () => {
    // The device's clock is at 12:08; a hot reading of 12:02:30 arrives now (10 minutes are allowed).
    const calm = calmDevice(9);

    const corrected = applyEntityBatch(MODEL, calm, [reading(2 * MINUTE + 30_000, 95)]);

    expect(corrected.outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(windowAt(corrected.state, T0 + 4 * MINUTE, MODEL.timing).max).toBe(95);
    expect(corrected.notifications.map((n) => [n.incident?.transition, n.severity])).toEqual([['opened', 'critical']]);
    expect(corrected.state.incidents?.['temperature']?.openedAt).toBe(T0 + 2 * MINUTE + 30_000);
  });

  it('escalates an open incident with a worse reading that comes late but within the lateness', () => {
    const warm = applyEntityBatch(MODEL, calmDevice(5), [reading(5 * MINUTE, 85), reading(6 * MINUTE, 85)]).state;

    const corrected = applyEntityBatch(MODEL, warm, [reading(4 * MINUTE + 30_000, 97)]);

    expect(corrected.outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(corrected.notifications.map((n) => n.incident?.transition)).toEqual(['escalated']);
  });

  it('judges an event beyond the lateness against what the entity does now, counts it late, and leaves windows and incidents alone', () => {
    // Lateness per kind: one minute here. The device is at 12:08; a reading of 12:02:30 is beyond it.
    const model = readingModel(parseRulesConfig({ readings: { allowedLateness: '1m' } }).readings);
    const calm = calmDevice(9, model);

    const late = applyEntityBatch(model, calm, [reading(2 * MINUTE + 30_000, 95)]);

    expect(late.outcomes.map((o) => o.status)).toEqual(['late']);
    // Judged all the same: its status and its alert stand, with the reason it is late.
    expect(late.outcomes[0]).toMatchObject({ result: { status: 'critical' } });
    expect(late.alerts.map((a) => a.severity)).toEqual(['critical']);
    expect(late.alerts[0]?.reasons.at(-1)).toBe(
      'late: arrived after its window closed (allowed lateness 1m); judged against the window at 2026-04-25T12:08:00.000Z, counted in none',
    );
    expect(late.notifications).toEqual([]);
    expect(late.changed).toBe(false);
    expect(late.state).toBe(calm);
  });
});
