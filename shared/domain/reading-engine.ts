import { readingAlerts } from './alerts';
import type { EntityModel } from './entity-engine';
import { EVIDENCE_LIMIT } from './entity-engine';
import type { ReadingEnvelope } from './events';
import { readingId } from './events';
import { windowStartFor } from './panes';
import type { ReadingRules } from './rules-config';
import type { ReadingResult } from './sensor-rules';
import { evaluateReading } from './sensor-rules';

/**
 * A device's last reading (by event time), for the jump rule, and the times of its latest few
 * (a reading's id is its device and time), so an alert can name the readings it rests on.
 */
export interface DeviceLast {
  readonly time: number;
  readonly temperature: number;
  /** At most EVIDENCE_LIMIT, oldest first. */
  readonly seen?: readonly number[];
}

export function readingModel(rules: ReadingRules): EntityModel<ReadingEnvelope, DeviceLast, ReadingResult> {
  return {
    timing: { window: rules.window, pane: rules.pane, allowedLateness: rules.allowedLateness },
    // Within one device the timestamp is the reading's identity; base 36 keeps the stored id short.
    shortId: (reading) => reading.time.toString(36),
    value: (reading) => reading.event.temperature,
    evaluate(reading, state, window, late) {
      // A late reading's pane is closed: it cannot move an average, so the window rule sees no change.
      const before = { count: window.count, sum: window.sum };
      const after = late ? before : { count: before.count + 1, sum: before.sum + reading.event.temperature };
      const windowStart = windowStartFor(late && state.watermark !== null ? state.watermark : reading.time, rules);
      const last = state.last;
      const seen = last?.seen ?? [];
      const features = {
        windowBefore: before,
        windowAfter: after,
        windowReadingIds: seen
          .filter((time) => time >= windowStart && time < windowStart + rules.window)
          .map((time) => readingId(reading.entity, time)),
        ...(last ? { previous: { time: last.time, temperature: last.temperature, id: readingId(reading.entity, last.time) } } : {}),
      };
      const result = evaluateReading(reading, features, rules);
      return { result, alerts: readingAlerts(result, reading.id, windowStart) };
    },
    remember(last, reading) {
      const latest = last && last.time > reading.time ? last : { time: reading.time, temperature: reading.event.temperature };
      // No window that can still take readings reaches further back than this before the latest one.
      const from = latest.time - (rules.window + rules.allowedLateness + rules.pane);
      const seen = [...(last?.seen ?? []), reading.time]
        .filter((time) => time >= from)
        .sort((a, b) => a - b)
        .slice(-EVIDENCE_LIMIT);
      return { time: latest.time, temperature: latest.temperature, seen };
    },
  };
}
