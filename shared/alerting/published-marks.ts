import type { Alert } from '../domain/alerts';
import { describeError } from '../errors';
import type { AlertPublisher, PublishOutcome } from './messages';

/**
 * Publishing each outbox alert once, whatever delivers its record again (Lambda's retries, a full
 * replay of the outbox stream, `redrive dlq`): once SNS accepted an alert, its outbox item is marked
 * published, and an alert whose item is marked is not sent again. The mark is written after the
 * publish, so a crash between the two sends the alert again on the next delivery: at least once,
 * never lost. Pure orchestration over two ports; the handler and the redrive both use it.
 */

/** The published mark on the outbox items (DynamoDB: `DynamoDBPublishedMarks`). */
export interface PublishedMarks {
  /** Of these alert ids, those whose outbox item is marked published, and those the outbox holds at all. Throws when it cannot tell. */
  lookup(alertIds: readonly string[]): Promise<{ readonly published: ReadonlySet<string>; readonly stored: ReadonlySet<string> }>;
  /** Marks these outbox items (each as stored, unmarshalled) published; returns those it could not mark, with why. Never throws. */
  markPublished(items: ReadonlyArray<Record<string, unknown>>, at: Date): Promise<Array<{ alertId: string; reason: string }>>;
}

/** An alert to publish and its outbox item as read (stream image or item). */
export interface OutboxAlert {
  readonly alert: Alert;
  readonly item: Record<string, unknown>;
  /** When the outbox stored it (its stream record's creation time, ms), where known. */
  readonly createdAt?: number;
}

export interface PublishOnceResult extends PublishOutcome {
  /** Marked published already: not sent again. */
  readonly alreadyPublished: readonly string[];
  /** Published, but the mark could not be written: a later delivery of its record sends it again. */
  readonly notMarked: ReadonlyArray<{ alertId: string; reason: string }>;
}

/**
 * Looks up the marks of `alerts` (one alert id once), publishes those not marked, and marks what SNS
 * accepted. An alert the outbox no longer holds (deleted, expired) is published but not marked:
 * writing its mark would store the item again. Throws only when the marks cannot be read.
 */
export async function publishOnce(
  alerts: readonly OutboxAlert[],
  ports: { readonly publisher: AlertPublisher; readonly marks: PublishedMarks; readonly now?: () => Date },
): Promise<PublishOnceResult> {
  const byId = new Map<string, OutboxAlert>();
  for (const a of alerts) if (!byId.has(a.alert.alertId)) byId.set(a.alert.alertId, a);
  if (byId.size === 0) return { published: [], failed: [], rejected: [], alreadyPublished: [], notMarked: [] };
  const { published: marked, stored } = await ports.marks.lookup([...byId.keys()]);
  const pending = [...byId.values()].filter((a) => !marked.has(a.alert.alertId));
  const createdAt = new Map(pending.flatMap((a) => (a.createdAt === undefined ? [] : [[a.alert.alertId, a.createdAt] as const])));
  const outcome = await publish(
    ports.publisher,
    pending.map((a) => a.alert),
    createdAt,
  );
  const toMark = outcome.published.filter((id) => stored.has(id)).map((id) => byId.get(id)?.item ?? {});
  const notMarked = toMark.length > 0 ? await ports.marks.markPublished(toMark, (ports.now ?? (() => new Date()))()) : [];
  return { ...outcome, alreadyPublished: [...marked].filter((id) => byId.has(id)), notMarked };
}

async function publish(
  publisher: AlertPublisher,
  alerts: readonly Alert[],
  createdAt: ReadonlyMap<string, number>,
): Promise<PublishOutcome> {
  if (alerts.length === 0) return { published: [], failed: [], rejected: [] };
  try {
    return await publisher.publish(alerts, createdAt);
  } catch (error) {
    // The SNS adapter reports failures instead of throwing; any other port that throws fails every alert.
    return { published: [], failed: alerts.map((a) => ({ alertId: a.alertId, reason: describeError(error) })), rejected: [] };
  }
}
