import type { MessageAttributeValue, PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { PublishBatchCommand, PublishCommand } from '@aws-sdk/client-sns';
import type { Digest } from '../alerting/budgets';
import { digestMessage } from '../alerting/budgets';
import type { AlertPublisher, Delivery, DeliveryPublisher, PublishOutcome } from '../alerting/messages';
import { snsMessage } from '../alerting/messages';
import type { Alert } from '../domain/alerts';
import { describeError } from '../errors';
import type { RetryOptions } from './batching';
import { chunkBySize, mapWithConcurrency, retryUntilDone } from './batching';

/** PublishBatch limits: 10 entries and 256 KiB of messages and attributes per request. */
export const PUBLISH_BATCH_MAX_ENTRIES = 10;
export const PUBLISH_BATCH_MAX_BYTES = 256 * 1024;
const CONCURRENT_REQUESTS = 4;

export interface SnsAlertPublisherOptions {
  /** Rounds for entries that SNS failed inside a 200 response (default 4), with jittered backoff. */
  readonly retry?: RetryOptions;
  readonly concurrency?: number;
}

interface Entry {
  readonly alertId: string;
  readonly request: PublishBatchRequestEntry;
  readonly bytes: number;
}

/**
 * Publishes alerts to one SNS topic with PublishBatch, MessageStructure `json` (one text per
 * protocol) and the message attributes `severity`, `kind` and `entity` for filter policies.
 *
 * PublishBatch answers 200 even when some entries failed (`Failed`): those entries, and only
 * those, are sent again a few times with backoff. Entries SNS blames on the sender (`SenderFault`,
 * a malformed or oversized message, say) are not retried, resending cannot fix them: they come back
 * in `rejected`. A request that throws (after the SDK's own retries) fails its whole chunk, except
 * BatchRequestTooLong for a chunk of one entry: the chunks keep under the request limit, so only an
 * entry over it alone ends up there, and it is that entry's own fault. Nothing here throws: what was
 * not published comes back in `failed` (may succeed later) or `rejected`, with the last reason seen.
 */
export class SnsAlertPublisher implements AlertPublisher, DeliveryPublisher {
  private readonly retry: RetryOptions;
  private readonly concurrency: number;

  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    options: SnsAlertPublisherOptions = {},
  ) {
    this.retry = { attempts: 4, ...options.retry };
    this.concurrency = options.concurrency ?? CONCURRENT_REQUESTS;
  }

  async publish(alerts: readonly Alert[]): Promise<PublishOutcome> {
    return this.deliver(alerts.map((alert) => ({ id: alert.alertId, alert })));
  }

  /** Publishes each delivery; the outcome names deliveries by their `id`. */
  async deliver(deliveries: readonly Delivery[]): Promise<PublishOutcome> {
    const entries = deliveries.map((delivery, index) => toEntry(delivery, index));
    const chunks = chunkBySize(entries, PUBLISH_BATCH_MAX_ENTRIES, PUBLISH_BATCH_MAX_BYTES, (e) => e.bytes);
    const outcomes = await mapWithConcurrency(chunks, this.concurrency, (chunk) => this.publishChunk(chunk));
    return {
      published: outcomes.flatMap((o) => o.published),
      failed: outcomes.flatMap((o) => o.failed),
      rejected: outcomes.flatMap((o) => o.rejected),
    };
  }

  private async publishChunk(chunk: readonly Entry[]): Promise<PublishOutcome> {
    const reasons = new Map<string, string>();
    const published = new Set<string>();
    const rejected = new Set<string>();
    await retryUntilDone(
      chunk,
      async (pending) => {
        let response;
        try {
          response = await this.client.send(
            new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: pending.map((e) => e.request) }),
          );
        } catch (error) {
          // The SDK has already retried what it deems transient; the chunk fails as a whole.
          for (const e of pending) reasons.set(e.request.Id ?? '', describeError(error));
          if (pending.length === 1 && error instanceof Error && error.name === 'BatchRequestTooLong')
            rejected.add(pending[0]?.request.Id ?? '');
          return [];
        }
        for (const ok of response.Successful ?? []) if (ok.Id !== undefined) published.add(ok.Id);
        const retry: Entry[] = [];
        for (const e of pending) {
          const id = e.request.Id ?? '';
          if (published.has(id)) continue;
          const failure = response.Failed?.find((f) => f.Id === id);
          reasons.set(
            id,
            failure ? `${failure.Code ?? 'Failed'}: ${failure.Message ?? 'no message'}` : 'missing from the PublishBatch response',
          );
          if (failure?.SenderFault) rejected.add(id);
          else retry.push(e);
        }
        return retry;
      },
      this.retry,
    );
    const withReason = (e: Entry) => ({ alertId: e.alertId, reason: reasons.get(e.request.Id ?? '') ?? 'not published' });
    const idOf = (e: Entry) => e.request.Id ?? '';
    return {
      published: chunk.filter((e) => published.has(idOf(e))).map((e) => e.alertId),
      failed: chunk.filter((e) => !published.has(idOf(e)) && !rejected.has(idOf(e))).map(withReason),
      rejected: chunk.filter((e) => rejected.has(idOf(e))).map(withReason),
    };
  }
}

function toEntry(delivery: Delivery, index: number): Entry {
  const { message, attributes } = snsMessage(delivery.alert, delivery.recipient);
  const request: PublishBatchRequestEntry = {
    // Unique within a request (an alert may come twice); maps an answer back to its delivery.
    Id: String(index),
    Message: message,
    MessageStructure: 'json',
    MessageAttributes: stringAttributes(attributes),
  };
  const bytes =
    Buffer.byteLength(message) +
    Object.entries(attributes).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value ?? '') + 6, 0);
  return { alertId: delivery.id, request, bytes };
}

function stringAttributes(attributes: Readonly<Record<string, string | undefined>>): Record<string, MessageAttributeValue> {
  const defined = Object.entries(attributes).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return Object.fromEntries(defined.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

/** Sends a digest to its recipient (one Publish; the SDK retries what is transient). Throws if SNS does not take it. */
export async function publishDigest(client: SNSClient, topicArn: string, digest: Digest): Promise<void> {
  const { message, attributes } = digestMessage(digest);
  await client.send(
    new PublishCommand({ TopicArn: topicArn, Message: message, MessageStructure: 'json', MessageAttributes: stringAttributes(attributes) }),
  );
}
