import { AlertKind, readingAlerts } from './alerts';
import type { Signal } from './incidents';
import type { EntityModel } from './entity-engine';
import { EVIDENCE_LIMIT } from './entity-engine';
import type { ReadingEnvelope } from './events';
import { readingId } from './events';
import { windowEndingAt, windowStartFor } from './panes';
import type { ReadingRules } from './rules-config';
import type { Finding, ReadingResult } from './sensor-rules';
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
  const timing = { window: rules.window, pane: rules.pane, allowedLateness: rules.allowedLateness };
  return {
    timing,
    // Within one device the timestamp is the reading's identity; base 36 keeps the stored id short.
    shortId: (reading) => reading.time.toString(36),
    value: (reading) => reading.event.temperature,
    evaluate(reading, state, window, late) {
      const last = state.last;
      // "Before" is the window as the device's previous reading left it: a window ending later has
      // let cold readings slide out, and judged against that, a device that warms up while its cold
      // readings leave would never be seen crossing the limit. For a reading older than the latest,
      // it is its own window without it. A late reading's pane is closed: it cannot move an average.
      const previous = !late && last && last.time < reading.time ? windowEndingAt(state.panes, last.time, timing) : window;
      const before = { count: previous.count, sum: previous.sum };
      const after = late ? before : { count: window.count + 1, sum: window.sum + reading.event.temperature };
      const windowStart = windowStartFor(late && state.watermark !== null ? state.watermark : reading.time, rules);
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
      return { result, alerts: readingAlerts(result, reading.id) };
    },
    ...(rules.incidents.enabled
      ? { incidents: { settings: rules.incidents, kind: AlertKind.sensor, entityType: 'device' as const, signalsOf } }
      : {}),
    remember(last, reading, watermark) {
      const latest = last && last.time > reading.time ? last : { time: reading.time, temperature: reading.event.temperature };
      // No window that can still take readings reaches further back than this before the watermark.
      const from = watermark - (rules.window + rules.allowedLateness + rules.pane);
      const seen = [...(last?.seen ?? []), reading.time]
        .filter((time) => time >= from)
        .sort((a, b) => a - b)
        .slice(-EVIDENCE_LIMIT);
      return { time: latest.time, temperature: latest.temperature, seen };
    },
  };
}

/** A device's incidents are per measure: the temperature's rules (threshold, jump, average) are one cause. */
const CAUSE: Record<Finding['rule'], 'temperature' | 'humidity' | 'pressure'> = {
  temperature: 'temperature',
  jump: 'temperature',
  windowAverage: 'temperature',
  humidity: 'humidity',
  pressure: 'pressure',
};

function signalsOf(reading: ReadingEnvelope, result: ReadingResult): Signal[] {
  const byCause = new Map<string, Finding[]>();
  for (const finding of result.findings) byCause.set(CAUSE[finding.rule], [...(byCause.get(CAUSE[finding.rule]) ?? []), finding]);
  return [...byCause].map(([cause, findings]) => {
    const value = reading.event[cause as 'temperature' | 'humidity' | 'pressure'];
    return {
      cause,
      severity: findings.some((f) => f.level === 'critical') ? 'critical' : 'warning',
      eventId: reading.id,
      time: reading.time,
      ...(value === undefined ? {} : { value }),
      reasons: findings.map((f) => `${f.rule}: ${f.detail}`),
    };
  });
}
