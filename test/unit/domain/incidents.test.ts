import type { IncidentSettings, OpenIncidents, Signal, Transition } from '../../../shared/domain/incidents';
import {
  entityTimeAt,
  incidentId,
  nextDueAt,
  operate,
  runningSnoozes,
  signal,
  tick,
  tickAtArrival,
} from '../../../shared/domain/incidents';

const SECOND = 1_000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const SETTINGS: IncidentSettings = { quietPeriod: 10 * MINUTE, remindEvery: 30 * MINUTE };
const DEVICE = 'device#sensor-17';

function hot(offset: number, severity: Signal['severity'] = 'warning', value = 85): Signal {
  return { cause: 'temperature', severity, eventId: `r${offset}`, time: T0 + offset, value, reasons: [`temperature: ${value}`] };
}

/** Signals (and ticks, given as numbers) in order: every transition and the incidents left open. */
function run(steps: ReadonlyArray<Signal | number>, start: OpenIncidents = {}): { incidents: OpenIncidents; transitions: Transition[] } {
  let incidents = start;
  const transitions: Transition[] = [];
  for (const step of steps) {
    // As the engine does: time passes first (the signal's own cause is not quiet), then the signal.
    const passed = tick(
      incidents,
      typeof step === 'number' ? T0 + step : step.time,
      SETTINGS,
      new Set(typeof step === 'number' ? [] : [step.cause]),
    );
    const next = typeof step === 'number' ? passed : signal(DEVICE, passed.incidents, step);
    incidents = next.incidents;
    transitions.push(...passed.transitions, ...(next === passed ? [] : next.transitions));
  }
  return { incidents, transitions };
}

const types = (transitions: readonly Transition[]) => transitions.map((t) => t.type);

describe('incidents', () => {
  it('turns an hour of one overheating device (a reading every 10 s) into an open, one reminder and a resolution', () => {
    // Arrange
    const readings = Array.from({ length: 360 }, (_, i) => hot(i * 10 * SECOND));

    // Act: the readings, then the clock 10 minutes after the last
    const { incidents, transitions } = run([...readings, 60 * MINUTE + 10 * MINUTE]);

    // Assert
    expect(types(transitions)).toEqual(['opened', 'reminded', 'resolved']);
    expect(transitions[1]?.at).toBe(T0 + 30 * MINUTE);
    expect(transitions[2]?.incident).toMatchObject({ events: 360, openedAt: T0, lastSignalAt: T0 + 59 * MINUTE + 50 * SECOND, worst: 85 });
    expect(incidents).toEqual({});
  });

  it('escalates when the severity rises, once per severity, and not when it falls back', () => {
    const { transitions } = run([hot(0), hot(SECOND, 'critical', 95), hot(2 * SECOND), hot(3 * SECOND, 'critical', 96)]);

    expect(types(transitions)).toEqual(['opened', 'escalated']);
    expect(transitions[1]?.incident).toMatchObject({ severity: 'critical', events: 2, worst: 95 });
  });

  it('keeps causes apart: a humidity signal opens an incident of its own', () => {
    const humid: Signal = { ...hot(SECOND), cause: 'humidity', eventId: 'h1' };

    const { incidents, transitions } = run([hot(0), humid]);

    expect(types(transitions)).toEqual(['opened', 'opened']);
    expect(Object.keys(incidents).sort()).toEqual(['humidity', 'temperature']);
  });

  it('reopens as a new incident, with a new id, after a quiet period someone saw (a clean event or the clock)', () => {
    const { transitions } = run([hot(0), 10 * MINUTE, hot(11 * MINUTE)]);

    expect(types(transitions)).toEqual(['opened', 'resolved', 'opened']);
    expect(transitions[0]?.incident.id).not.toBe(transitions[2]?.incident.id);
    expect(transitions[2]?.incident.id).toBe(incidentId(DEVICE, 'temperature', 'r660000'));
  });

  it('keeps one incident for a device that reports hot every 15 minutes: silence between reports is not a quiet period', () => {
    const { incidents, transitions } = run(Array.from({ length: 12 }, (_, i) => hot(i * 15 * MINUTE)));

    expect(types(transitions)).toEqual(['opened', 'reminded', 'reminded', 'reminded', 'reminded', 'reminded']);
    expect(incidents['temperature']?.events).toBe(12);
  });

  it('keeps the reasons of the worst signal until one as bad comes', () => {
    const { incidents } = run([hot(0, 'critical', 95), hot(MINUTE, 'warning', 85)]);

    expect(incidents['temperature']?.reasons).toEqual(['temperature: 95']);
  });

  it('resolves by the clock when no event comes, and not a moment before the quiet period', () => {
    expect(types(run([hot(0), 10 * MINUTE - 1]).transitions)).toEqual(['opened']);
    expect(types(run([hot(0), 10 * MINUTE]).transitions)).toEqual(['opened', 'resolved']);
  });

  it('gives back the same incidents when nothing is due, and keeps the causes in order when one of them resolves', () => {
    // Arrange: a temperature incident, then a humidity one 5 minutes later, then a third cause
    const humid: Signal = { ...hot(5 * MINUTE), cause: 'humidity', eventId: 'h1' };
    const windy: Signal = { ...hot(6 * MINUTE), cause: 'pressure', eventId: 'p1' };
    const { incidents } = run([hot(0), humid, windy]);

    // Act: 7 minutes in (nothing due), then 10 minutes in (temperature quiet), then 15 (humidity quiet too)
    const calm = tick(incidents, T0 + 7 * MINUTE, SETTINGS);
    const firstQuiet = tick(incidents, T0 + 10 * MINUTE, SETTINGS);
    const bothQuiet = tick(incidents, T0 + 15 * MINUTE, SETTINGS);

    // Assert
    expect(calm.incidents).toBe(incidents);
    expect(calm.transitions).toEqual([]);
    expect(Object.keys(firstQuiet.incidents)).toEqual(['humidity', 'pressure']);
    expect(firstQuiet.incidents['humidity']).toBe(incidents['humidity']);
    expect(Object.keys(bothQuiet.incidents)).toEqual(['pressure']);
    expect(Object.keys(incidents)).toEqual(['temperature', 'humidity', 'pressure']);
  });

  it('reminds at most once per interval, counting from the last notification', () => {
    // An escalation at 20 minutes is a notification: the reminder comes 30 minutes after it
    const signals = [
      hot(0),
      hot(9 * MINUTE),
      hot(18 * MINUTE),
      ...[20, 25, 29, 35, 44, 49, 50, 51].map((m) => hot(m * MINUTE, 'critical')),
    ];

    const { transitions } = run(signals);

    expect(transitions.map((t) => [t.type, (t.at - T0) / MINUTE])).toEqual([
      ['opened', 0],
      ['escalated', 20],
      ['reminded', 50],
    ]);
  });

  it('gives the same transitions the same ids however often the same signals are judged', () => {
    const signals = [hot(0), hot(SECOND, 'critical'), 40 * MINUTE];

    expect(run(signals).transitions.map((t) => t.transitionId)).toEqual(run(signals).transitions.map((t) => t.transitionId));
    expect(new Set(run(signals).transitions.map((t) => t.transitionId)).size).toBe(3);
  });

  it('stops reminders once acknowledged, but still escalates and resolves, and keeps counting events', () => {
    const opened = run([hot(0)]).incidents;
    const id = opened['temperature']?.id ?? '';
    const acked = operate(opened, {}, { action: 'ack', cause: 'temperature', incident: id, at: T0 + MINUTE }).incidents;

    const { transitions } = run(
      [hot(31 * MINUTE - 30 * MINUTE), hot(9 * MINUTE), hot(18 * MINUTE), hot(27 * MINUTE), hot(36 * MINUTE, 'critical'), 50 * MINUTE],
      acked,
    );

    expect(types(transitions)).toEqual(['escalated', 'resolved']);
    expect(transitions[1]?.incident.events).toBe(6);
  });

  it('records the transitions of a snoozed incident without delivering them, until the snooze expires', () => {
    const opened = run([hot(0)]).incidents;
    const snoozed = operate(opened, {}, { action: 'snooze', cause: 'temperature', at: T0, until: T0 + 20 * MINUTE }).incidents;

    const { transitions } = run(
      [hot(5 * MINUTE, 'critical'), hot(14 * MINUTE), hot(23 * MINUTE), hot(32 * MINUTE), hot(38 * MINUTE), 50 * MINUTE],
      snoozed,
    );

    expect(transitions.map((t) => [t.type, t.deliver, (t.at - T0) / MINUTE])).toEqual([
      ['escalated', false, 5],
      ['reminded', true, 38],
      ['resolved', true, 50],
    ]);
    expect(transitions[2]?.incident.events).toBe(6);
  });

  it('resolves by an operator at once, and an action on no open incident, or on another incident of the cause, changes nothing', () => {
    const opened = run([hot(0)]).incidents;
    const id = opened['temperature']?.id ?? '';

    const resolved = operate(opened, {}, { action: 'resolve', cause: 'temperature', incident: id, at: T0 + MINUTE });
    const nothing = operate({}, {}, { action: 'ack', cause: 'temperature', incident: id, at: T0 });
    const reopened = run([hot(20 * MINUTE)], resolved.incidents).incidents;
    const stale = operate(reopened, {}, { action: 'resolve', cause: 'temperature', incident: id, at: T0 + 21 * MINUTE });

    expect(types(resolved.transitions)).toEqual(['resolved']);
    expect(resolved.incidents).toEqual({});
    expect(nothing).toEqual({ incidents: {}, snoozes: {}, transitions: [] });
    // Actions are applied again on every sweep: the old resolve must not close the new incident.
    expect(stale.transitions).toEqual([]);
    expect(stale.incidents).toBe(reopened);
  });

  it('applies an acknowledgement once: applied again it keeps the first time', () => {
    const opened = run([hot(0)]).incidents;
    const id = opened['temperature']?.id ?? '';
    const ack = { action: 'ack', cause: 'temperature', incident: id, at: T0 + MINUTE } as const;

    const once = operate(opened, {}, ack);
    const twice = operate(once.incidents, once.snoozes, { ...ack, at: T0 + 5 * MINUTE });

    expect(twice.incidents['temperature']?.acknowledgedAt).toBe(T0 + MINUTE);
  });

  it('snoozes a cause on the entity: an incident that opens while it runs starts snoozed, and its opening is not delivered', () => {
    const snoozed = operate({}, {}, { action: 'snooze', cause: 'temperature', at: T0, until: T0 + 20 * MINUTE });

    const during = signal(DEVICE, snoozed.incidents, hot(MINUTE), snoozed.snoozes);
    const after = signal(DEVICE, {}, hot(25 * MINUTE), runningSnoozes(snoozed.snoozes, T0 + 25 * MINUTE));

    expect(during.transitions.map((t) => [t.type, t.deliver])).toEqual([['opened', false]]);
    expect(after.transitions.map((t) => [t.type, t.deliver])).toEqual([['opened', true]]);
    expect(runningSnoozes(snoozed.snoozes, T0 + 19 * MINUTE)).toEqual({ temperature: T0 + 20 * MINUTE });
  });

  describe('time passing without events (the sweep)', () => {
    it("judges quiet by the entity's own clock: a device an hour behind is not quiet the moment the sweep looks", () => {
      // The device's clock is an hour behind: its reading at T0 arrived at T0 + 1 h.
      const arrivedAt = T0 + 60 * MINUTE;
      const opened = signal(DEVICE, {}, { ...hot(0), arrival: arrivedAt }).incidents;

      const soon = tickAtArrival(opened, arrivedAt + MINUTE, SETTINGS);
      const later = tickAtArrival(opened, arrivedAt + 10 * MINUTE, SETTINGS);

      expect(soon.transitions).toEqual([]);
      expect(types(later.transitions)).toEqual(['resolved']);
      expect(later.transitions[0]?.at).toBe(T0 + 10 * MINUTE);
    });

    it("reminds an unacknowledged incident and gives the same transition ids as the events' clock would", () => {
      const opened = signal(DEVICE, {}, { ...hot(0), arrival: T0 }).incidents;

      const reports = [9, 18, 27].map((m) => ({ ...hot(m * MINUTE), arrival: T0 + m * MINUTE }));
      const bySweep = tickAtArrival(run(reports, opened).incidents, T0 + 30 * MINUTE, SETTINGS);
      const byEvent = run([...reports, hot(30 * MINUTE)], opened);

      expect(types(bySweep.transitions)).toEqual(['reminded']);
      expect(bySweep.transitions[0]?.transitionId).toBe(byEvent.transitions[0]?.transitionId);
    });

    it("takes the arrival as the entity's time where signals had no arrival, and never runs the entity's clock backwards", () => {
      const opened = run([hot(0)]).incidents;
      const incident = opened['temperature'];
      if (!incident) throw new Error('no incident');

      expect(entityTimeAt(incident, T0 + 7 * MINUTE)).toBe(T0 + 7 * MINUTE);
      expect(entityTimeAt({ ...incident, arrivedAt: T0 + MINUTE }, T0)).toBe(T0);
    });

    it("says when the sweep should look next, by the stream's clock: the quiet period, or the reminder if sooner", () => {
      const behind = signal(DEVICE, {}, { ...hot(0), arrival: T0 + 60 * MINUTE }).incidents;
      const acked = operate(behind, {}, { action: 'ack', cause: 'temperature', incident: behind['temperature']?.id ?? '', at: T0 });

      expect(nextDueAt(behind, SETTINGS)).toBe(T0 + 70 * MINUTE);
      expect(nextDueAt(behind, { quietPeriod: 60 * MINUTE, remindEvery: 30 * MINUTE })).toBe(T0 + 90 * MINUTE);
      expect(nextDueAt(acked.incidents, { quietPeriod: 60 * MINUTE, remindEvery: 30 * MINUTE })).toBe(T0 + 120 * MINUTE);
      expect(nextDueAt({}, SETTINGS)).toBeUndefined();
    });
  });
});
