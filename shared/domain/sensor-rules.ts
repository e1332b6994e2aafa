import type { Envelope } from './events';
import * as z from 'zod/mini';
import { duration, positive, positiveInt, number, enabled, section, level, windowOfPanes, incidentSettings } from './rules-schema';
import { formatDuration } from './duration';
import { isoTime } from './iso-time';

export interface Reading {
  readonly deviceId: string;
  readonly temperature: number;
  readonly humidity?: number;
  readonly pressure?: number;
  readonly timestamp: string | number;
  readonly [extra: string]: unknown;
}

/** A reading as the pipeline carries it (shared/kinds/reading.ts validates it). */
export type ReadingEnvelope = Envelope<'reading', Reading>;

export const ReadingStatus = { ok: 'ok', warning: 'warning', critical: 'critical' } as const;
export type ReadingStatus = (typeof ReadingStatus)[keyof typeof ReadingStatus];

export interface Finding {
  readonly rule: 'temperature' | 'humidity' | 'pressure' | 'jump' | 'windowAverage';
  readonly level: 'warning' | 'critical';
  /** The short sentence a person reads in an alert. */
  readonly message: string;
  readonly detail: string;
  /** The earlier readings it rests on (the one before a jump, the window's others for an average). */
  readonly relatedReadingIds?: readonly string[];
}

/** The seed's output shape, plus what fired. */
export interface ReadingResult {
  readonly deviceId: string;
  readonly temperature: number;
  readonly status: ReadingStatus;
  readonly alert?: string;
  readonly findings: readonly Finding[];
  readonly eventTime: string;
}

export interface ReadingFeatures {
  /** The device's latest reading before this one (by event time), and its id. */
  readonly previous?: { readonly time: number; readonly temperature: number; readonly id?: string };
  /** The window that ends at the reading (its last `window`), before and after adding this reading. */
  readonly windowBefore: { readonly count: number; readonly sum: number };
  readonly windowAfter: { readonly count: number; readonly sum: number };
  /** The ids of the window's earlier readings, as far as the device remembers them. */
  readonly windowReadingIds?: readonly string[];
}

const MEASURES = ['temperature', 'humidity', 'pressure'] as const;
const LABEL = { temperature: 'Temperature', humidity: 'Humidity', pressure: 'Pressure' } as const;

function thresholdFindings(reading: ReadingEnvelope['event'], rules: ReadingRules): Finding[] {
  const findings: Finding[] = [];
  for (const measure of MEASURES) {
    const value = reading[measure];
    const level = rules[measure];
    if (value === undefined || value <= level.warning) continue;
    const critical = value > level.critical;
    findings.push({
      rule: measure,
      level: critical ? 'critical' : 'warning',
      message: critical ? `${LABEL[measure]} exceeded critical threshold` : `${LABEL[measure]} exceeded threshold`,
      detail: `${measure} ${value} above ${critical ? level.critical : level.warning}`,
    });
  }
  return findings;
}

function jumpFinding({ event, time }: ReadingEnvelope, { previous }: ReadingFeatures, { jump }: ReadingRules): Finding | undefined {
  if (!jump.enabled || !previous || time <= previous.time || time - previous.time >= jump.within) return undefined;
  const delta = event.temperature - previous.temperature;
  if (Math.abs(delta) <= jump.temperature) return undefined;
  const rounded = Math.round(delta * 100) / 100;
  return {
    rule: 'jump',
    level: 'warning',
    message: 'Sudden temperature jump',
    detail: `temperature changed by ${rounded} in ${formatDuration(Math.max(time - previous.time, 1000))} (limit ${jump.temperature})`,
    ...(previous.id ? { relatedReadingIds: [previous.id] } : {}),
  };
}

/** Fires on the reading that takes the window's average over the limit, so a hot window alerts once. */
function windowAverageFinding(
  { windowBefore, windowAfter, windowReadingIds }: ReadingFeatures,
  { windowAverage, window }: ReadingRules,
): Finding | undefined {
  if (!windowAverage.enabled || windowAfter.count < windowAverage.minCount) return undefined;
  const after = windowAfter.sum / windowAfter.count;
  const wasAbove = windowBefore.count >= windowAverage.minCount && windowBefore.sum / windowBefore.count > windowAverage.temperature;
  if (after <= windowAverage.temperature || wasAbove) return undefined;
  return {
    rule: 'windowAverage',
    level: 'warning',
    message: 'Average temperature exceeded limit',
    detail: `average ${Math.round(after * 100) / 100} over ${windowAfter.count} readings in the last ${formatDuration(window)} (limit ${windowAverage.temperature})`,
    ...(windowReadingIds && windowReadingIds.length > 0 ? { relatedReadingIds: windowReadingIds } : {}),
  };
}

export function evaluateReading(reading: ReadingEnvelope, features: ReadingFeatures, rules: ReadingRules): ReadingResult {
  // Every reading is judged here: plain pushes, no arrays made only to be spread into another.
  const findings = thresholdFindings(reading.event, rules);
  const jump = jumpFinding(reading, features, rules);
  if (jump) findings.push(jump);
  const average = windowAverageFinding(features, rules);
  if (average) findings.push(average);
  const worst = findings.find((f) => f.level === 'critical') ?? findings[0];
  const deviceId = reading.entity;
  const temperature = reading.event.temperature;
  const eventTime = isoTime(reading.time);
  return worst
    ? { deviceId, temperature, status: worst.level, alert: worst.message, findings, eventTime }
    : { deviceId, temperature, status: ReadingStatus.ok, findings, eventTime };
}

/** The readings' section of the rules document (`readings`): the sensor rules' levels. */
export const ReadingRulesSchema = z
  .strictObject({
    /** The per-device window of the average rule: the last 5 minutes before each reading. */
    window: duration(5 * 60_000),
    pane: duration(30_000),
    allowedLateness: duration(10 * 60_000),
    temperature: level(80, 90),
    humidity: level(85, 95),
    pressure: level(1050, 1080),
    /** A change between a device's consecutive readings (closer than `within`) larger than `temperature`. */
    jump: section({ enabled, temperature: positive(15), within: duration(10 * 60_000) }),
    /** A window's average temperature above `temperature`, once it holds at least `minCount` readings. */
    windowAverage: section({ enabled, temperature: number(75), minCount: positiveInt(3) }),
    /** A device's incident resolves once it stayed in range for 10 minutes. */
    incidents: incidentSettings(10 * 60_000),
  })
  .check(windowOfPanes);

export type ReadingRules = z.output<typeof ReadingRulesSchema>;
