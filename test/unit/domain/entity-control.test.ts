import type { EntityControl } from '../../../shared/domain/entity-control';
import { applyEntityControl } from '../../../shared/domain/entity-control';
import { applyEntityBatch } from '../../../shared/domain/entity-engine';
import type { EntityState } from '../../../shared/domain/entity-state';
import { emptyState, recentIds } from '../../../shared/domain/entity-state';
import type { ReadingEnvelope } from '../../../shared/domain/sensor-rules';
import { validateReading } from '../../../shared/kinds/reading';
import type { DeviceLast } from '../../../shared/domain/reading-engine';
import { readingModel } from '../../../shared/domain/reading-engine';
import { DEFAULT_RULES, parseRulesConfig } from '../../../shared/domain/rules-config';

const MODEL = readingModel(DEFAULT_RULES.readings);
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const DEVICE = 'sensor-17';

/** A reading of sensor-17 taken at T0 + offset by the device's clock, which the stream took `lag` later. */
function reading(offset: number, temperature: number, lag = 0): ReadingEnvelope {
  const validation = validateReading({ deviceId: DEVICE, temperature, timestamp: new Date(T0 + offset).toISOString() });
  if (!validation.ok) throw new Error(validation.reason);
  return { ...validation.value, arrival: T0 + offset + lag };
}

/** A device that read 85° (a warning) every 10 seconds for a minute. */
function hotDevice(lag = 0): EntityState<DeviceLast> {
  const readings = Array.from({ length: 6 }, (_, i) => reading(i * 10_000, 85, lag));
  return applyEntityBatch(MODEL, emptyState<DeviceLast>(), readings).state;
}

function control(arrival: number, actions: EntityControl['actions'] = []): EntityControl {
  return { arrival, actions };
}

function incidentId(state: EntityState<DeviceLast>): string {
  return state.incidents?.['temperature']?.id ?? '';
}

describe('time passing and operators on an entity without events (control records)', () => {
  it("resolves a device gone silent once the quiet period has passed by the stream's clock, as its own commit", () => {
    const hot = hotDevice();

    const early = applyEntityControl(MODEL, hot, DEVICE, control(T0 + 5 * MINUTE));
    const quiet = applyEntityControl(MODEL, hot, DEVICE, control(T0 + 11 * MINUTE));

    expect(early.changed).toBe(false);
    expect(quiet.changed).toBe(true);
    expect(quiet.notifications.map((n) => [n.incident?.transition, n.incident?.events, n.eventIds])).toEqual([['resolved', 6, []]]);
    expect(quiet.state.incidents).toBeUndefined();
    expect(quiet.state.incidentsDue).toBeUndefined();
    // A commit of its own that applied no event: the entity's events stay duplicates.
    expect(quiet.state.version).toBe(hot.version + 1);
    expect(recentIds(quiet.state)).toEqual(new Set([...recentIds(hot), '']));
  });

  it('is the same when applied again: no second resolution, and a device an hour behind is judged by its own clock', () => {
    const behind = hotDevice(60 * MINUTE);

    const first = applyEntityControl(MODEL, behind, DEVICE, control(T0 + 61 * MINUTE));
    const resolved = applyEntityControl(MODEL, behind, DEVICE, control(T0 + 71 * MINUTE));
    const again = applyEntityControl(MODEL, resolved.state, DEVICE, control(T0 + 72 * MINUTE));

    expect(first.changed).toBe(false);
    expect(resolved.notifications.map((n) => n.incident?.transition)).toEqual(['resolved']);
    expect(again.changed).toBe(false);
    expect(again.notifications).toEqual([]);
  });

  it('stops reminders once an operator acknowledged the incident, and applying the acknowledgement again changes nothing', () => {
    const rules = parseRulesConfig({ readings: { incidents: { quietPeriod: '1h', remindEvery: '5m' } } });
    const model = readingModel(rules.readings);
    const hot = applyEntityBatch(model, emptyState<DeviceLast>(), [reading(0, 85)]).state;
    const ack = { action: 'ack' as const, cause: 'temperature', incident: incidentId(hot), at: T0 + MINUTE };

    const unacknowledged = applyEntityControl(model, hot, DEVICE, control(T0 + 6 * MINUTE));
    const acknowledged = applyEntityControl(model, hot, DEVICE, control(T0 + 6 * MINUTE, [ack]));
    const again = applyEntityControl(model, acknowledged.state, DEVICE, control(T0 + 6 * MINUTE, [ack]));

    expect(unacknowledged.notifications.map((n) => n.incident?.transition)).toEqual(['reminded']);
    expect(acknowledged.notifications).toEqual([]);
    expect(acknowledged.state.incidents?.['temperature']?.acknowledgedAt).toBe(T0 + MINUTE);
    expect(again.changed).toBe(false);
  });

  it("resolves on an operator's word, and a snoozed cause opens its next incident without notifying anyone until the snooze ends", () => {
    const hot = hotDevice();
    const resolve = { action: 'resolve' as const, cause: 'temperature', incident: incidentId(hot), at: T0 + 2 * MINUTE };
    const snooze = { action: 'snooze' as const, cause: 'temperature', at: T0 + 2 * MINUTE, until: T0 + 30 * MINUTE };

    const operated = applyEntityControl(MODEL, hot, DEVICE, control(T0 + 2 * MINUTE, [resolve, snooze]));
    const during = applyEntityBatch(MODEL, operated.state, [reading(3 * MINUTE, 95)]);
    const after = applyEntityBatch(MODEL, operated.state, [reading(31 * MINUTE, 95)]);

    expect(operated.notifications.map((n) => n.incident?.transition)).toEqual(['resolved']);
    expect(during.notifications).toEqual([]);
    // Recorded all the same: the incident counts its events while snoozed.
    expect(during.state.incidents?.['temperature']).toMatchObject({ events: 1, severity: 'critical', snoozedUntil: T0 + 30 * MINUTE });
    expect(after.notifications.map((n) => n.incident?.transition)).toEqual(['opened']);
  });

  it('keeps one incident for a device that reports hot every 15 minutes, sweeps every minute notwithstanding, and resolves it once it missed two reports', () => {
    // It reported in range a quarter of an hour before: its cadence is known when the incident opens.
    let state = applyEntityBatch(MODEL, emptyState<DeviceLast>(), [reading(-15 * MINUTE, 20)]).state;
    const sent: string[] = [];
    for (let minute = 0; minute <= 180; minute++) {
      if (minute % 15 === 0 && minute <= 120) {
        const reported = applyEntityBatch(MODEL, state, [reading(minute * MINUTE, 85)]);
        state = reported.state;
        sent.push(...reported.notifications.map((n) => `${minute}:${n.incident?.transition}`));
      }
      const swept = applyEntityControl(MODEL, state, DEVICE, control(T0 + minute * MINUTE + 30_000));
      state = swept.state;
      sent.push(...swept.notifications.map((n) => `${minute}:${n.incident?.transition}`));
    }

    // Silence between reports is not "back in range": opened, a reminder every 30 minutes, and the
    // resolution 30 minutes (two of its gaps) after the last report.
    expect(sent).toEqual(['0:opened', '30:reminded', '60:reminded', '90:reminded', '120:reminded', '150:resolved']);
  });

  it("runs a snooze by the stream's clock: a device an hour behind notifies again when the operator's 30 minutes are over", () => {
    // Readings of T0 arrive at T0 + 1 h; the operator snoozes at T0 + 1 h (wall) for 30 minutes.
    const behind = hotDevice(60 * MINUTE);
    const snooze = { action: 'snooze' as const, cause: 'temperature', at: T0 + 60 * MINUTE, until: T0 + 90 * MINUTE };
    const snoozed = applyEntityControl(MODEL, behind, DEVICE, control(T0 + 60 * MINUTE, [snooze])).state;

    // Its clock reads T0 + 5 min and T0 + 45 min when the stream's reads T0 + 65 min and T0 + 105 min.
    const during = applyEntityBatch(MODEL, snoozed, [reading(5 * MINUTE, 99, 60 * MINUTE)]);
    const after = applyEntityBatch(MODEL, snoozed, [reading(45 * MINUTE, 99, 60 * MINUTE)]);

    expect(during.notifications).toEqual([]);
    expect(after.notifications.map((n) => n.incident?.transition)).toEqual(['reminded', 'escalated']);
  });

  it('leaves an entity without incidents alone, and a kind without incidents', () => {
    const calm = applyEntityBatch(MODEL, emptyState<DeviceLast>(), [reading(0, 20)]).state;
    const quietModel = readingModel(parseRulesConfig({ readings: { incidents: { enabled: false } } }).readings);

    expect(applyEntityControl(MODEL, calm, DEVICE, control(T0 + 20 * MINUTE)).changed).toBe(false);
    expect(applyEntityControl(quietModel, calm, DEVICE, control(T0 + 20 * MINUTE)).changed).toBe(false);
  });

  it('clears what an item kept of incidents once they are turned off for the kind, so the sweep stops looking at it', () => {
    const quietModel = readingModel(parseRulesConfig({ readings: { incidents: { enabled: false } } }).readings);

    const swept = applyEntityControl(quietModel, hotDevice(), DEVICE, control(T0 + 2 * MINUTE));
    const scored = applyEntityBatch(quietModel, hotDevice(), [reading(2 * MINUTE, 95)]);

    for (const state of [swept.state, scored.state]) {
      expect(state.incidents).toBeUndefined();
      expect(state.incidentsDue).toBeUndefined();
    }
    expect(swept.notifications).toEqual([]);
  });

  it('moves the stored due time when the rules changed it, so the sweep does not come back every minute for nothing', () => {
    // Arrange: due for resolution under a 10-minute quiet period; the live rules now wait an hour.
    const hot = hotDevice();
    const patient = readingModel(parseRulesConfig({ readings: { incidents: { quietPeriod: '60m' } } }).readings);
    const dueBefore = hot.incidentsDue ?? 0;

    // Act: the sweep's control record, past the old due time.
    const swept = applyEntityControl(patient, hot, DEVICE, control(dueBefore + MINUTE));

    // Assert: nothing to say yet, but the item now says when to look again.
    expect(swept.notifications).toEqual([]);
    expect(swept.changed).toBe(true);
    expect(swept.state.incidentsDue).toBeGreaterThan(dueBefore + MINUTE);
    expect(applyEntityControl(patient, swept.state, DEVICE, control(dueBefore + 2 * MINUTE)).changed).toBe(false);
  });
});
