import { readingAlerts } from './alerts';
import type { EntityModel } from './entity-engine';
import type { ReadingEnvelope } from './events';
import type { ReadingRules } from './rules-config';
import type { ReadingResult } from './sensor-rules';
import { evaluateReading } from './sensor-rules';
import { tumblingWindowStart } from './windows';

/** A device's last reading (by event time), for the jump rule. */
export interface DeviceLast {
  readonly time: number;
  readonly temperature: number;
}

export function readingModel(rules: ReadingRules): EntityModel<ReadingEnvelope, DeviceLast, ReadingResult> {
  return {
    timing: { window: rules.window, allowedLateness: rules.allowedLateness },
    // Within one device the timestamp is the reading's identity; base 36 keeps the stored id short.
    shortId: (reading) => reading.time.toString(36),
    value: (reading) => reading.event.temperature,
    evaluate(reading, state, pane, late) {
      // A late reading's own window is closed: it cannot move an average, so the window rule sees no change.
      const before = { count: pane.count, sum: pane.sum };
      const after = late ? before : { count: before.count + 1, sum: before.sum + reading.event.temperature };
      const features = { windowBefore: before, windowAfter: after, ...(state.last ? { previous: state.last } : {}) };
      const result = evaluateReading(reading, features, rules);
      return { result, alerts: readingAlerts(result, reading.id, tumblingWindowStart(reading.time, rules.window)) };
    },
    remember: (last, reading) => (last && last.time > reading.time ? last : { time: reading.time, temperature: reading.event.temperature }),
  };
}
