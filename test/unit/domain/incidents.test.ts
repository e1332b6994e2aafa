import type { IncidentSettings, OpenIncidents, Signal, Transition } from '../../../shared/domain/incidents';
import { incidentId, operate, signal, tick } from '../../../shared/domain/incidents';

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
    const acked = operate(opened, { action: 'ack', cause: 'temperature', at: T0 + MINUTE }).incidents;

    const { transitions } = run(
      [hot(31 * MINUTE - 30 * MINUTE), hot(9 * MINUTE), hot(18 * MINUTE), hot(27 * MINUTE), hot(36 * MINUTE, 'critical'), 50 * MINUTE],
      acked,
    );

    expect(types(transitions)).toEqual(['escalated', 'resolved']);
    expect(transitions[1]?.incident.events).toBe(6);
  });

  it('records the transitions of a snoozed incident without delivering them, until the snooze expires', () => {
    const opened = run([hot(0)]).incidents;
    const snoozed = operate(opened, { action: 'snooze', cause: 'temperature', at: T0, until: T0 + 20 * MINUTE }).incidents;

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

  it('resolves by an operator at once, and an action on no open incident changes nothing', () => {
    const opened = run([hot(0)]).incidents;

    const resolved = operate(opened, { action: 'resolve', cause: 'temperature', at: T0 + MINUTE });
    const nothing = operate({}, { action: 'ack', cause: 'temperature', at: T0 });

    expect(types(resolved.transitions)).toEqual(['resolved']);
    expect(resolved.incidents).toEqual({});
    expect(nothing).toEqual({ incidents: {}, transitions: [] });
  });
});
