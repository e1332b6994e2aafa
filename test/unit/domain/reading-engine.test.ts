import { alertId } from '../../../shared/domain/alerts';
import type { EntityBatchResult } from '../../../shared/domain/entity-engine';
import { applyEntityBatch } from '../../../shared/domain/entity-engine';
import type { EntityState } from '../../../shared/domain/entity-state';
import { emptyState, recentIds } from '../../../shared/domain/entity-state';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import { validateReading } from '../../../shared/kinds/reading';
import type { DeviceLast } from '../../../shared/domain/reading-engine';
import { readingModel } from '../../../shared/domain/reading-engine';
import { DEFAULT_RULES } from '../../../shared/domain/rules-config';
import type { ReadingResult } from '../../../shared/domain/sensor-rules';

const MODEL = readingModel(DEFAULT_RULES.readings);
const SECOND = 1_000;
const MINUTE = 60_000;
/** 12:00 UTC: the start of a 30-second pane (windows are the last 5 minutes, read to the pane). */
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const W0 = String(T0);

type Result = EntityBatchResult<ReadingEnvelope, DeviceLast, ReadingResult>;

/** A reading of sensor-17 at T0 + offset (ms). */
function reading(offset: number, temperature: number, overrides: Record<string, unknown> = {}): ReadingEnvelope {
  const validation = validateReading({ deviceId: 'sensor-17', temperature, timestamp: new Date(T0 + offset).toISOString(), ...overrides });
  if (!validation.ok) throw new Error(validation.reason);
  return validation.value;
}

function apply(envelopes: readonly ReadingEnvelope[], state: EntityState<DeviceLast> = emptyState<DeviceLast>()): Result {
  return applyEntityBatch(MODEL, state, envelopes);
}

/** A state with its recent commits' ids as one sorted list: a batch applied in parts commits more often. */
function counted(state: EntityState<DeviceLast>): unknown {
  return { ...state, recent: [...recentIds(state)].sort() };
}

function statuses(result: Result): string[] {
  return result.outcomes.map((o) => o.status);
}

function rulesFired(result: Result): string[][] {
  return result.outcomes.map((o) => (o.status === 'duplicate' ? [] : o.result.findings.map((f) => f.rule)));
}

describe('reading engine: the seed example', () => {
  it('reports 82.4 as a warning with its alert and counts it in its window', () => {
    // Arrange
    const seed = reading(0, 82.4);

    // Act
    const result = apply([seed]);

    // Assert
    const outcome = result.outcomes[0];
    expect(outcome?.status).toBe('applied');
    expect(outcome?.status !== 'duplicate' && outcome?.result).toMatchObject({
      deviceId: 'sensor-17',
      temperature: 82.4,
      status: 'warning',
      alert: 'Temperature exceeded threshold',
    });
    expect(result.state).toEqual({
      version: 0,
      watermark: T0,
      panes: { [W0]: { count: 1, sum: 82.4, min: 82.4, max: 82.4 } },
      pane: 30 * SECOND,
      recent: { from: 1, ids: T0.toString(36) },
      last: { time: T0, temperature: 82.4, seen: [T0] },
      incidents: { temperature: expect.objectContaining({ cause: 'temperature', severity: 'warning', events: 1, worst: 82.4 }) },
      // The sweep looks when the quiet period (10 minutes for devices) has passed without a signal.
      incidentsDue: T0 + 10 * MINUTE,
    });
    expect(result.alerts.map((a) => a.alertId)).toEqual([
      alertId('sensor', 'sensor-17', 'reading:sensor-17@2026-04-25T12:00:00.000Z:warning'),
    ]);
  });
});

describe('reading engine: idempotency', () => {
  const batch = [reading(0, 20), reading(1 * MINUTE, 40), reading(6 * MINUTE, 85), reading(3 * MINUTE, 30), reading(8 * MINUTE, 92)];

  it('a batch applied twice: every reading of the second run is a duplicate, nothing changes, no alerts', () => {
    // Arrange
    const first = apply(batch);

    // Act
    const second = apply(batch, first.state);

    // Assert
    expect(statuses(first)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(statuses(second)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(second.changed).toBe(false);
    expect(second.state).toEqual(first.state);
    expect(second.alerts).toEqual([]);
  });

  it('a batch split in two and applied in parts equals the batch applied whole', () => {
    // Arrange
    const whole = apply(batch);

    // Act
    const part1 = apply(batch.slice(0, 3));
    const part2 = apply(batch.slice(3), part1.state);

    // Assert
    expect(counted(part2.state)).toEqual(counted(whole.state));
    expect([...part1.outcomes, ...part2.outcomes]).toEqual(whole.outcomes);
    expect([...part1.alerts, ...part2.alerts]).toEqual(whole.alerts);
  });

  it('counts the same instant written two ways once', () => {
    // Arrange
    const utc = reading(0, 70);
    const offset = reading(0, 70, { timestamp: '2026-04-25T14:00:00+02:00' });

    // Act
    const result = apply([utc, offset]);

    // Assert
    expect(offset.id).toBe(utc.id);
    expect(statuses(result)).toEqual(['applied', 'duplicate']);
    expect(result.state.panes[W0]?.count).toBe(1);
  });

  // Once a batch spans more than window + allowed lateness, its early windows are closed; the ids of
  // the entity's recent commits still find every reading of the replay a duplicate.
  it('a replayed batch spanning more than window + allowed lateness changes nothing', () => {
    // Arrange
    const spanning = [reading(0, 20), reading(1 * MINUTE, 85), reading(20 * MINUTE, 21)];
    const first = apply(spanning);

    // Act
    const second = apply(spanning, first.state);

    // Assert
    expect(statuses(first)).toEqual(['applied', 'applied', 'applied']);
    expect(statuses(second)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(second.changed).toBe(false);
    expect(second.state).toEqual(first.state);
  });
});

describe('reading engine: event time, lateness and pruning', () => {
  it('counts an out-of-order reading within the allowed lateness in its own pane', () => {
    // Arrange
    const state = apply([reading(10 * MINUTE, 20)]).state;

    // Act
    const result = apply([reading(10 * SECOND, 30)], state);

    // Assert
    expect(statuses(result)).toEqual(['applied']);
    expect(result.state.panes[W0]).toEqual({ count: 1, sum: 30, min: 30, max: 30 });
    expect(result.state.watermark).toBe(T0 + 10 * MINUTE);
    expect(result.state.last).toEqual({ time: T0 + 10 * MINUTE, temperature: 20, seen: [T0 + 10 * SECOND, T0 + 10 * MINUTE] });
  });

  it('reports a reading after its pane closed as late: evaluated, not counted, no window average', () => {
    // Arrange: two readings of 70; a third (95) at 12:02 would take the average over 75, but 12:12:30 closed its pane
    const state = apply([reading(0, 70), reading(MINUTE, 70), reading(12 * MINUTE + 30 * SECOND, 20)]).state;

    // Act
    const result = apply([reading(2 * MINUTE, 95)], state);

    // Assert
    expect(statuses(result)).toEqual(['late']);
    expect(rulesFired(result)).toEqual([['temperature']]);
    expect(result.changed).toBe(false);
    expect(result.state).toEqual(state);
    expect(result.alerts.map((a) => a.severity)).toEqual(['critical']);
  });

  it('prunes the panes no window that can still take readings reads', () => {
    // Arrange
    const state = apply([reading(0, 20), reading(7 * MINUTE, 21)]).state;

    // Act: 12:15 is 12:00 + 5m window + 10m lateness
    const result = apply([reading(15 * MINUTE, 22)], state);

    // Assert
    expect(Object.keys(state.panes).sort()).toEqual([W0, String(T0 + 7 * MINUTE)]);
    expect(Object.keys(result.state.panes).sort()).toEqual([String(T0 + 7 * MINUTE), String(T0 + 15 * MINUTE)]);
  });

  it('keeps count, sum, min and max per pane, and no counter the model does not declare', () => {
    // Arrange
    const events = [reading(0, 20.5), reading(10 * SECOND, 18), reading(20 * SECOND, 25), reading(30 * SECOND, 30)];

    // Act
    const result = apply(events);

    // Assert
    expect(result.state.panes[W0]).toEqual({ count: 3, sum: 63.5, min: 18, max: 25 });
    expect(result.state.panes[String(T0 + 30 * SECOND)]).toEqual({ count: 1, sum: 30, min: 30, max: 30 });
  });
});

describe('reading engine: the jump rule across batches via `last`', () => {
  it('fires on the first reading of a batch against the last reading of the previous batch', () => {
    // Arrange
    const first = apply([reading(0, 18), reading(MINUTE, 20)]);

    // Act
    const second = apply([reading(2 * MINUTE, 40)], first.state);

    // Assert
    expect(first.state.last).toMatchObject({ time: T0 + MINUTE, temperature: 20 });
    expect(rulesFired(second)).toEqual([['jump']]);
    const outcome = second.outcomes[0];
    expect(outcome?.status !== 'duplicate' && outcome?.result.findings[0]?.detail).toBe('temperature changed by 20 in 1m (limit 15)');
  });

  it('names the reading before the jump in the finding and in its alert, and no reading for a reading that is fine', () => {
    // Arrange
    const first = apply([reading(0, 18), reading(MINUTE, 20)]);

    // Act
    const second = apply([reading(2 * MINUTE, 40), reading(3 * MINUTE, 41)], first.state);

    // Assert: the ids are made only for the finding that names them (see the reading model)
    const [jumped, fine] = second.outcomes;
    expect(jumped?.status !== 'duplicate' && jumped?.result.findings[0]?.relatedReadingIds).toEqual(['sensor-17@2026-04-25T12:01:00.000Z']);
    expect(second.alerts.map((a) => a.relatedEventIds)).toEqual([['sensor-17@2026-04-25T12:01:00.000Z']]);
    expect(fine?.status !== 'duplicate' && fine?.result.findings).toEqual([]);
  });

  it('fires on a fall across batches too', () => {
    // Arrange
    const first = apply([reading(0, 60)]);

    // Act
    const second = apply([reading(5 * MINUTE, 40)], first.state);

    // Assert
    expect(rulesFired(second)).toEqual([['jump']]);
  });

  it('does not fire for an out-of-order reading older than the last one, and keeps the last one', () => {
    // Arrange
    const first = apply([reading(5 * MINUTE, 20)]);

    // Act
    const second = apply([reading(3 * MINUTE, 50)], first.state);

    // Assert
    expect(statuses(second)).toEqual(['applied']);
    expect(rulesFired(second)).toEqual([[]]);
    expect(second.state.last).toMatchObject({ time: T0 + 5 * MINUTE, temperature: 20 });
  });

  it('compares with the latest reading by event time after an out-of-order one', () => {
    // Arrange: 20 at 12:05, then 50 at 12:03 (older), then 38 at 12:06
    const first = apply([reading(5 * MINUTE, 20), reading(3 * MINUTE, 50)]);

    // Act
    const second = apply([reading(6 * MINUTE, 38)], first.state);

    // Assert
    expect(rulesFired(second)).toEqual([['jump']]);
  });

  it('does not fire when the previous reading is more than 10 minutes older', () => {
    // Arrange
    const first = apply([reading(0, 20)]);

    // Act
    const second = apply([reading(11 * MINUTE, 60)], first.state);

    // Assert
    expect(rulesFired(second)).toEqual([[]]);
  });

  it('does not fire for a duplicate of the jumping reading', () => {
    // Arrange
    const first = apply([reading(0, 20), reading(MINUTE, 40)]);

    // Act
    const second = apply([reading(MINUTE, 40)], first.state);

    // Assert
    expect(rulesFired(first)).toEqual([[], ['jump']]);
    expect(statuses(second)).toEqual(['duplicate']);
    expect(second.alerts).toEqual([]);
  });
});

describe('reading engine: the window average', () => {
  it('fires once, on the reading that takes a window of at least 3 readings above 75', () => {
    // Arrange
    const events = [reading(0, 74), reading(MINUTE, 76), reading(2 * MINUTE, 77), reading(3 * MINUTE, 78)];

    // Act
    const result = apply(events);

    // Assert
    expect(rulesFired(result)).toEqual([[], [], ['windowAverage'], []]);
    expect(result.alerts.map((a) => a.alertId)).toEqual([
      alertId('sensor', 'sensor-17', 'average:sensor-17@2026-04-25T12:02:00.000Z:warning'),
    ]);
    expect(result.alerts[0]?.relatedEventIds).toEqual(['sensor-17@2026-04-25T12:00:00.000Z', 'sensor-17@2026-04-25T12:01:00.000Z']);
  });

  it('fires across batches, counting the readings already in the stored pane', () => {
    // Arrange
    const first = apply([reading(0, 76), reading(MINUTE, 76)]);

    // Act
    const second = apply([reading(2 * MINUTE, 76), reading(3 * MINUTE, 90)], first.state);

    // Assert
    expect(rulesFired(first)).toEqual([[], []]);
    expect(rulesFired(second)).toEqual([['windowAverage'], ['temperature']]);
  });

  it('does not fire with fewer than 3 readings, however hot', () => {
    // Arrange
    const events = [reading(0, 79), reading(MINUTE, 79)];

    // Act
    const result = apply(events);

    // Assert
    expect(rulesFired(result)).toEqual([[], []]);
  });

  it('reads the last 5 minutes: two hot readings 5 minutes before a third are out of its window', () => {
    // Arrange
    const events = [reading(0, 79), reading(MINUTE, 79), reading(6 * MINUTE, 79)];

    // Act
    const result = apply(events);

    // Assert
    expect(rulesFired(result)).toEqual([[], [], []]);
  });

  it('fires when the average goes over the limit because cold readings slid out of the window', () => {
    // Arrange: three cold readings, then 79 every minute: the cold ones leave the last 5 minutes one by one
    const events = [reading(0, 60), reading(10 * SECOND, 60), reading(20 * SECOND, 60)];
    for (let m = 1; m <= 6; m++) events.push(reading(m * MINUTE, 79));

    // Act
    const result = apply(events);

    // Assert: at 12:04 the last 5 minutes hold the cold ones (average 70.9); at 12:05 they have slid out (79)
    expect(rulesFired(result).map((rules) => rules.includes('windowAverage'))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
  });

  it('sees a hot run across the 5-minute boundary a tumbling window would split it at', () => {
    // Arrange: 12:04, 12:05, 12:06: one before the clock's 12:05 boundary, two after
    const events = [reading(4 * MINUTE, 79), reading(5 * MINUTE, 79), reading(6 * MINUTE, 79)];

    // Act
    const result = apply(events);

    // Assert
    expect(rulesFired(result)).toEqual([[], [], ['windowAverage']]);
  });
});
