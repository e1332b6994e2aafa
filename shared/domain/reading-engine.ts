import type { Alert } from './alerts';
import { AlertKind, alertId, NO_ALERTS } from './alerts';
import type { Signal } from './incidents';
import type { EntityModel } from './entity-engine';
import { EVIDENCE_LIMIT } from './entity-engine';
import type { ReadingEnvelope } from './sensor-rules';
import { windowAt } from './entity-state';
import { windowStartFor } from './panes';
import type { ReadingRules } from './sensor-rules';
import type { Finding, ReadingFeatures, ReadingResult } from './sensor-rules';
import { evaluateReading } from './sensor-rules';
import { isoTime } from './iso-time';

/** Readings carry no id of their own: a device reports one reading per instant (the validator derives it as this does). */
export function readingId(deviceId: string, time: number): string {
  return `${deviceId}@${isoTime(time)}`;
}

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
      // Every reading is judged here: the figures and the last reading go in as they are, not copied.
      const before = !late && last && last.time < reading.time ? windowAt(state, last.time, timing) : window;
      const after = late ? before : { count: window.count + 1, sum: window.sum + reading.event.temperature };
      const windowStart = windowStartFor(late && state.watermark !== null ? state.watermark : reading.time, rules);
      const features: ReadingFeatures = { windowBefore: before, windowAfter: after, previous: last };
      const result = evaluateReading(reading, features, rules);
      // Most readings are fine: no finding, no alert.
      if (result.findings.length === 0) return { result, alerts: NO_ALERTS };
      if (!result.findings.some(namesReadings)) return { result, alerts: readingAlerts(result, reading.id) };
      // The ids of the readings a finding rests on only go into the findings that name them. Each costs
      // an ISO time, so they are made when such a finding fired (few readings), and the reading is judged
      // again with them: the rules are pure, and the ids change nothing else.
      const seen = last?.seen ?? [];
      const named = evaluateReading(
        reading,
        {
          ...features,
          windowReadingIds: seen
            .filter((time) => time >= windowStart && time < windowStart + rules.window)
            .map((time) => readingId(reading.entity, time)),
          ...(last ? { previous: { time: last.time, temperature: last.temperature, id: readingId(reading.entity, last.time) } } : {}),
        },
        rules,
      );
      return { result: named, alerts: readingAlerts(named, reading.id) };
    },
    ...(rules.incidents.enabled
      ? { incidents: { settings: rules.incidents, kind: AlertKind.sensor, entityType: 'device' as const, signalsOf } }
      : {}),
    remember(last, reading, watermark) {
      const latest = last && last.time > reading.time ? last : { time: reading.time, temperature: reading.event.temperature };
      // No window that can still take readings reaches further back than this before the watermark.
      const from = watermark - (rules.window + rules.allowedLateness + rules.pane);
      // Oldest first. Readings come mostly in time order, so the new one mostly goes last: the times are
      // sorted only when they are out of order (a sort allocates, and every applied reading comes here).
      const seen = (last?.seen ?? []).filter((time) => time >= from);
      if (reading.time >= from) seen.push(reading.time);
      if (!ascending(seen)) seen.sort((a, b) => a - b);
      return {
        time: latest.time,
        temperature: latest.temperature,
        seen: seen.length > EVIDENCE_LIMIT ? seen.slice(-EVIDENCE_LIMIT) : seen,
      };
    },
  };
}

function ascending(times: readonly number[]): boolean {
  for (let i = 1; i < times.length; i++) if ((times[i - 1] as number) > (times[i] as number)) return false;
  return true;
}

/** The findings that name the earlier readings they rest on (see ReadingFeatures). */
function namesReadings(finding: Finding): boolean {
  return finding.rule === 'jump' || finding.rule === 'windowAverage';
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
  if (result.findings.length === 0) return [];
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

function sensorAlert(result: ReadingResult, readingId: string, findings: readonly Finding[], scope: string): Alert | undefined {
  const worst = findings.find((f) => f.level === 'critical') ?? findings[0];
  if (!worst) return undefined;
  const related = [...new Set(findings.flatMap((f) => f.relatedReadingIds ?? []))].filter((id) => id !== readingId);
  return {
    alertId: alertId(AlertKind.sensor, result.deviceId, `${scope}:${worst.level}`),
    kind: AlertKind.sensor,
    severity: worst.level,
    entity: { type: 'device', id: result.deviceId },
    summary: `${worst.message} on ${result.deviceId}`,
    reasons: findings.map((f) => `${f.rule}: ${f.detail}`),
    eventIds: [readingId],
    ...(related.length > 0 ? { relatedEventIds: related } : {}),
    eventTime: result.eventTime,
  };
}

/**
 * A reading's own findings make one alert; a window average crossing its limit on this reading
 * makes another (each crossing is its own alert: a sliding window has no fixed scope to share).
 */
export function readingAlerts(result: ReadingResult, readingId: string): Alert[] {
  const own = result.findings.filter((f) => f.rule !== 'windowAverage');
  const windowed = result.findings.filter((f) => f.rule === 'windowAverage');
  return [
    sensorAlert(result, readingId, own, `reading:${readingId}`),
    sensorAlert(result, readingId, windowed, `average:${readingId}`),
  ].filter((a): a is Alert => a !== undefined);
}
