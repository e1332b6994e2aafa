import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { Alert } from '../domain/alerts';
import { SEVERITY_ORDER, Severity } from '../domain/alerts';
import { ALL_ALERT_KINDS } from '../kinds/names';
import { formatDuration } from '../domain/duration';
import { withEnglishMessages } from '../domain/zod-messages';
import { ConfigurationError } from '../errors';
import { maskCardNumbers } from '../observability/mask';
import { fitSms } from './messages';

/**
 * Channel budgets: what keeps a storm from reaching a person as hundreds of texts. A subscriber with
 * a budget (SMS: 10 an hour, email: 5 in 5 minutes, by default; see infra/config.ts) receives at most
 * `notifications` per `per` window, counted from the wall clock; what comes over it waits in that
 * window's digest, which the sweep sends once the window has ended ("and 27 more on 4 devices").
 * Nothing is dropped: a held notification is in exactly one digest, and a digest is sent until the
 * store says it was. Pure: the budget counts and the digests live behind `BudgetStore`.
 */

export interface Budget {
  readonly notifications: number;
  readonly perMs: number;
}

export type Protocol = 'email' | 'sms' | 'sqs' | 'https';
export type NotificationType = 'incident' | 'alert';

/** A subscriber whose messages are counted: SNS delivers to it only what carries its id as `recipient`. */
export interface BudgetedSubscriber {
  /**
   * Its name in the deploy config, or `<protocol>-<n>` (`sms-1`): the filter policy's value, and
   * what items and logs name. Never the number or the address (a hash of one is easily reversed).
   */
  readonly id: string;
  readonly protocol: Protocol;
  readonly minSeverity: Severity;
  readonly kinds?: readonly string[] | undefined;
  readonly notifications: readonly NotificationType[];
  readonly budget: Budget;
}

/** What a subscriber's name may be: it becomes a message attribute value and part of item keys. */
export const SUBSCRIBER_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Whether this subscriber takes this alert: its severity floor, its kinds and the notification types it takes (as its filter policy would). */
export function receives(subscriber: BudgetedSubscriber, alert: Alert): boolean {
  const type: NotificationType = alert.incident ? 'incident' : 'alert';
  return (
    SEVERITY_ORDER.indexOf(alert.severity) >= SEVERITY_ORDER.indexOf(subscriber.minSeverity) &&
    (subscriber.kinds === undefined || subscriber.kinds.includes(alert.kind)) &&
    subscriber.notifications.includes(type)
  );
}

/** The budget window `now` falls in, aligned to the epoch: [start, end) in ms. */
export function budgetWindow(now: number, perMs: number): { readonly start: number; readonly end: number } {
  const start = Math.floor(now / perMs) * perMs;
  return { start, end: start + perMs };
}

/** What a digest says of one held notification. Masked: it is stored and sent as is. */
export interface HeldNotification {
  readonly alertId: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly entity: string;
  readonly transition?: string;
  readonly summary: string;
  readonly eventTime: string;
}

/**
 * The digest entry of a held alert, as a string: the digest keeps a set of them, so holding the same
 * alert twice (a retried batch) stores it once. Deterministic for that reason.
 */
export function heldEntry(alert: Alert): string {
  const held: HeldNotification = {
    alertId: alert.alertId,
    kind: alert.kind,
    severity: alert.severity,
    entity: maskCardNumbers(`${alert.entity.type}:${alert.entity.id}`),
    ...(alert.incident ? { transition: alert.incident.transition } : {}),
    summary: maskCardNumbers(alert.summary),
    eventTime: alert.eventTime,
  };
  return JSON.stringify(held);
}

const HeldSchema = z.object({
  alertId: z.string(),
  kind: z.string(),
  severity: z.enum([Severity.info, Severity.warning, Severity.critical]),
  entity: z.string(),
  transition: z.optional(z.string()),
  summary: z.string(),
  eventTime: z.string(),
});

/** A held entry read back; one that does not parse still counts, as what it is. */
export function parseHeldEntry(entry: string): HeldNotification {
  try {
    const parsed = z.safeParse(HeldSchema, JSON.parse(entry));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return { alertId: '?', kind: '?', severity: Severity.warning, entity: '?', summary: maskCardNumbers(entry.slice(0, 120)), eventTime: '' };
}

/** One subscriber's held notifications of one window, as the sweep sends them. */
export interface Digest {
  readonly recipient: string;
  readonly protocol: Protocol;
  readonly budget: Budget;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly held: readonly HeldNotification[];
}

/** The same digest (recipient, window, entries) always has the same id: subscribers drop repeats by it. */
export function digestId(digest: Digest): string {
  const ids = digest.held.map((h) => h.alertId).sort();
  return createHash('sha256')
    .update(`${digest.recipient}\u0000${digest.windowStart}\u0000${ids.join(',')}`)
    .digest('hex')
    .slice(0, 32);
}

/** How many an email digest lists in full; the rest are counted. */
export const DIGEST_LISTED = 50;
/** How many the JSON lists in full, and by id after that: an SNS message holds 256 KB at most. */
export const DIGEST_JSON_LISTED = 100;
export const DIGEST_JSON_IDS = 4000;

export interface DigestMessage {
  /** For `MessageStructure: 'json'`. */
  readonly message: string;
  readonly attributes: { readonly recipient: string; readonly notification: 'digest'; readonly severity: Severity };
}

/** "4 devices and 1 user" */
function entitiesPhrase(held: readonly HeldNotification[]): string {
  const byType = new Map<string, Set<string>>();
  for (const h of held) {
    const type = h.entity.split(':')[0] ?? '?';
    byType.set(type, (byType.get(type) ?? new Set()).add(h.entity));
  }
  const parts = [...byType].map(([type, ids]) => `${ids.size} ${type}${ids.size === 1 ? '' : 's'}`);
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** "20 opened, 3 escalated, 4 resolved" (alerts that are not incidents count as "alerts"). */
function transitionsPhrase(held: readonly HeldNotification[]): string {
  const counts = new Map<string, number>();
  for (const h of held) counts.set(h.transition ?? 'alerts', (counts.get(h.transition ?? 'alerts') ?? 0) + 1);
  return [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
}

function worstSeverity(held: readonly HeldNotification[]): Severity {
  return held.reduce<Severity>(
    (worst, h) => (SEVERITY_ORDER.indexOf(h.severity) > SEVERITY_ORDER.indexOf(worst) ? h.severity : worst),
    Severity.info,
  );
}

/** The digest as one SNS message: a short SMS, a readable email, the full list as JSON for machines. */
export function digestMessage(digest: Digest): DigestMessage {
  const held = [...digest.held].sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.alertId.localeCompare(b.alertId));
  const n = held.length;
  const from = new Date(digest.windowStart).toISOString();
  const until = new Date(digest.windowEnd).toISOString();
  const limit = `${digest.budget.notifications} per ${formatDuration(digest.budget.perMs)}`;
  const headline = `and ${n} more on ${entitiesPhrase(held)} (${transitionsPhrase(held)})`;
  const sms = fitSms(`riskstream: ${headline}, held back ${from.slice(11, 16)}-${until.slice(11, 16)} UTC (limit ${limit}).`);
  const listed = held.slice(0, DIGEST_LISTED);
  const email = [
    `riskstream: ${headline}`,
    '',
    `These notifications came while your limit of ${limit} was reached, from ${from} to ${until}.`,
    'Nothing was dropped: here they are.',
    '',
    ...listed.map((h) => `  - ${h.severity.toUpperCase()} ${h.summary} (${h.eventTime}, id ${h.alertId})`),
    ...(n > listed.length ? [`  ... and ${n - listed.length} more (the JSON of this digest lists them by id)`] : []),
  ].join('\n');
  const byId = held.slice(DIGEST_JSON_LISTED);
  const json = JSON.stringify({
    digestId: digestId(digest),
    recipient: digest.recipient,
    heldFrom: from,
    heldUntil: until,
    count: n,
    summary: headline,
    notifications: held.slice(0, DIGEST_JSON_LISTED),
    ...(byId.length > 0 ? { moreAlertIds: byId.slice(0, DIGEST_JSON_IDS).map((h) => h.alertId) } : {}),
    ...(byId.length > DIGEST_JSON_IDS ? { unlisted: byId.length - DIGEST_JSON_IDS } : {}),
  });
  return {
    // Every machine protocol falls back to `default`: the JSON is in the message once.
    message: JSON.stringify({ default: json, sms, email: maskCardNumbers(email) }),
    attributes: { recipient: digest.recipient, notification: 'digest', severity: worstSeverity(held) },
  };
}

const SubscriberSchema = z.object({
  id: z.string().check(z.regex(SUBSCRIBER_NAME, 'must be lowercase letters, digits and dashes, at most 40')),
  protocol: z.enum(['email', 'sms', 'sqs', 'https']),
  minSeverity: z.enum([Severity.info, Severity.warning, Severity.critical]),
  kinds: z.optional(z.array(z.enum(ALL_ALERT_KINDS))),
  notifications: z.array(z.enum(['incident', 'alert'])).check(z.minLength(1, 'must name at least one type')),
  budget: z.object({
    notifications: z.number().check(z.int(), z.positive()),
    perMs: z.number().check(z.int(), z.positive()),
  }),
});

export class BudgetedSubscribersError extends ConfigurationError {
  override readonly name = 'BudgetedSubscribersError';
}

/** BUDGETED_SUBSCRIBERS as the stack sets it (a JSON array; absent: none). */
export function parseBudgetedSubscribers(text: string | undefined): BudgetedSubscriber[] {
  if (text === undefined || text === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BudgetedSubscribersError(`riskstream configuration: BUDGETED_SUBSCRIBERS is not JSON: ${(error as Error).message}`);
  }
  const parsed = z.safeParse(z.array(SubscriberSchema), json, withEnglishMessages);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new BudgetedSubscribersError(`riskstream configuration: BUDGETED_SUBSCRIBERS: ${problems.join('; ')}`);
  }
  return parsed.data;
}
