import * as z from 'zod/mini';
import type { Alert } from '../domain/alerts';
import { Severity } from '../domain/alerts';
import { ALL_ALERT_ENTITY_TYPES, ALL_ALERT_KINDS } from '../kinds/names';
import { withEnglishMessages } from '../domain/zod-messages';
import { maskCardNumbers } from '../observability/mask';

/**
 * Alerts as the outbox stream carries them and as SNS subscribers receive them. Pure: no AWS
 * import, so the message layouts are unit-tested with plain data.
 */

/** The port the publish-alerts handler talks to; `SnsAlertPublisher` is its SNS adapter. */
export interface AlertPublisher {
  /** `createdAt`: when each alert was stored, by alert id, where known (budgets count by it). */
  publish(alerts: readonly Alert[], createdAt?: ReadonlyMap<string, number>): Promise<PublishOutcome>;
}

/** One message of an alert: to every subscriber without a budget, or (`recipient`) to one with a budget (budgets.ts). */
export interface Delivery {
  /** Names the delivery in the outcome (whose `alertId` fields then hold delivery ids). */
  readonly id: string;
  readonly alert: Alert;
  readonly recipient?: string;
}

/** The SNS adapter's lower port: messages as given, each named by its delivery id in the outcome. */
export interface DeliveryPublisher {
  deliver(deliveries: readonly Delivery[]): Promise<PublishOutcome>;
}

export interface PublishOutcome {
  /** Alert ids SNS accepted. */
  readonly published: string[];
  /** Alerts that were still not accepted after the retries, with the last reason seen: a later try may succeed. */
  readonly failed: Array<{ alertId: string; reason: string }>;
  /** Alerts SNS refused as the sender's fault (SenderFault): sent again unchanged, they would be refused again. */
  readonly rejected: Array<{ alertId: string; reason: string }>;
  /** Alert ids held back for a budgeted subscriber (one entry per subscriber): they wait in its digest. */
  readonly held?: readonly string[];
}

const text = z.string().check(z.minLength(1, 'must not be empty'));

/** An outbox item as `alertItem()` writes it, unmarshalled. Its extra attributes (entityType, entityId, expiresAt) are dropped. */
const AlertImageSchema = z.object({
  alertId: text,
  kind: z.enum(ALL_ALERT_KINDS),
  severity: z.enum([Severity.info, Severity.warning, Severity.critical]),
  entity: z.object({ type: z.enum(ALL_ALERT_ENTITY_TYPES), id: text }),
  summary: text,
  reasons: z.array(z.string()),
  eventIds: z.array(text),
  relatedEventIds: z.optional(z.array(text)),
  incident: z.optional(
    z.object({
      id: text,
      cause: text,
      transition: z.enum(['opened', 'escalated', 'reminded', 'resolved']),
      events: z.number(),
      firstSeen: text,
      lastSeen: text,
      worst: z.optional(z.number()),
    }),
  ),
  eventTime: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' }),
  rulesVersion: z.optional(z.number()),
});

export class MalformedAlertError extends Error {
  override readonly name = 'MalformedAlertError';
}

/**
 * The alert in a stream record's NewImage (already unmarshalled). Throws `MalformedAlertError`
 * with one sentence per problem, each naming the field; values are not echoed (they may hold card data).
 */
export function alertFromImage(image: Record<string, unknown>): Alert {
  const parsed = z.safeParse(AlertImageSchema, image, withEnglishMessages);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(item)';
    if (issue.code === 'invalid_type' && valueAt(image, issue.path) === undefined) return `missing required field "${field}"`;
    if (issue.code === 'invalid_type')
      return `field "${field}" must be ${article(issue.expected)} ${issue.expected}, got ${typeName(valueAt(image, issue.path))}`;
    if (issue.code === 'invalid_value') return `field "${field}" must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `field "${field}" ${issue.message}`;
  });
  throw new MalformedAlertError(`invalid alert: ${problems.join('; ')}`);
}

export type AlertAttributeName = 'severity' | 'kind' | 'entity' | 'notification' | 'recipient';

export interface SnsAlertMessage {
  /** The message for `MessageStructure: 'json'`: one entry per protocol, `default` always present. */
  readonly message: string;
  /** SNS message attributes (type String) that subscription filter policies match on. */
  readonly attributes: Partial<Record<AlertAttributeName, string>>;
}

/** SMS segments: 160 GSM-7 characters; 140 leaves room for the carrier's sender prefix. */
export const SMS_MAX_LENGTH = 140;

/**
 * One alert as one SNS message. Email and SMS get readable text, every machine protocol (and
 * `default`, which AWS requires and which the protocols not listed fall back to) the full alert
 * as JSON. Every string goes through the card-number mask before anything is built from it, and
 * the built texts go through it again (a number split across fields must not come out whole).
 * With a `recipient`, the message is for that budgeted subscriber only (budgets.ts): its filter
 * policy takes nothing else, and every other subscription's takes nothing that has one.
 */
export function snsMessage(alert: Alert, recipient?: string): SnsAlertMessage {
  const masked = maskAlert(alert);
  const json = JSON.stringify(masked);
  const message = {
    default: json,
    sms: smsText(masked),
    email: maskCardNumbers(emailText(masked)),
    sqs: json,
    https: json,
    lambda: json,
  };
  return {
    message: JSON.stringify(message),
    attributes: {
      severity: masked.severity,
      kind: masked.kind,
      entity: maskCardNumbers(`${masked.entity.type}:${masked.entity.id}`),
      // People's subscriptions take incidents only (infra/config.ts), machines' both.
      notification: masked.incident ? 'incident' : 'alert',
      ...(recipient === undefined ? {} : { recipient }),
    },
  };
}

function maskAlert(alert: Alert): Alert {
  return {
    alertId: maskCardNumbers(alert.alertId),
    kind: alert.kind,
    severity: alert.severity,
    entity: { type: alert.entity.type, id: maskCardNumbers(alert.entity.id) },
    summary: maskCardNumbers(alert.summary),
    reasons: alert.reasons.map(maskCardNumbers),
    eventIds: alert.eventIds.map(maskCardNumbers),
    ...(alert.relatedEventIds ? { relatedEventIds: alert.relatedEventIds.map(maskCardNumbers) } : {}),
    eventTime: maskCardNumbers(alert.eventTime),
    ...(alert.incident ? { incident: { ...alert.incident, id: maskCardNumbers(alert.incident.id) } } : {}),
    ...(alert.rulesVersion === undefined ? {} : { rulesVersion: alert.rulesVersion }),
  };
}

/** `riskstream CRITICAL: Transaction txn-1 blocked (risk 0.92)`, masked first, then cut to fit (ASCII `...`, so the text stays GSM-7). */
function smsText(alert: Alert): string {
  return fitSms(maskCardNumbers(`riskstream ${alert.severity.toUpperCase()}: ${alert.summary}`.replace(/\s+/g, ' ')));
}

/** The text cut to SMS_MAX_LENGTH characters, with ASCII `...` where it was cut (so it stays GSM-7). */
export function fitSms(text: string): string {
  const chars = Array.from(text);
  return chars.length <= SMS_MAX_LENGTH
    ? text
    : `${chars
        .slice(0, SMS_MAX_LENGTH - 3)
        .join('')
        .trimEnd()}...`;
}

function emailText(alert: Alert): string {
  return [
    alert.summary,
    '',
    `Severity:   ${alert.severity.toUpperCase()}`,
    `Kind:       ${alert.kind}`,
    `Entity:     ${alert.entity.type} ${alert.entity.id}`,
    `Event time: ${alert.eventTime}`,
    '',
    'Reasons:',
    ...(alert.reasons.length > 0 ? alert.reasons.map((r) => `  - ${r}`) : ['  (none given)']),
    '',
    ...(alert.incident
      ? [
          `Incident:   ${alert.incident.id} (${alert.incident.cause}, ${alert.incident.transition})`,
          `Events:     ${alert.incident.events}, first ${alert.incident.firstSeen}, last ${alert.incident.lastSeen}` +
            (alert.incident.worst === undefined ? '' : `, worst value ${alert.incident.worst}`),
        ]
      : []),
    `Event ids:  ${alert.eventIds.join(', ') || '(none: time passing)'}`,
    ...(alert.relatedEventIds ? [`Related:    ${alert.relatedEventIds.join(', ')}`] : []),
    `Alert id:   ${alert.alertId}`,
    '',
    'Repeats of an alert carry the same alert id.',
  ].join('\n');
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
