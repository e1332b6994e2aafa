import type { AttributeValue, DynamoDBClient, KeysAndAttributes, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { PublishedMarks } from '../alerting/published-marks';
import { classifyAwsError, ConfigurationError, describeError, ErrorKind, RetryableError } from '../errors';
import { chunk, retryUntilDone } from './batching';
import { ALERT_KEY, PUBLISHED_ATTRIBUTE } from './dynamodb-items';

/** BatchGetItem takes 100 keys, BatchWriteItem 25 puts. */
const GET_LIMIT = 100;
const WRITE_LIMIT = 25;

/**
 * The published mark on the outbox items. Read with consistent BatchGetItems of the key and the
 * mark only (a projection: an alert's text is not read again). Written with BatchWriteItem puts of
 * the whole item plus the mark — 25 alerts a request where UpdateItem would take 25 requests, at
 * the same write units (an item's size either way). A put over an existing item is a MODIFY record
 * in the outbox stream, which publish-alerts' mapping filter (INSERT only) leaves out.
 */
export class DynamoDBPublishedMarks implements PublishedMarks {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async lookup(alertIds: readonly string[]): Promise<{ published: Set<string>; stored: Set<string> }> {
    const published = new Set<string>();
    const stored = new Set<string>();
    for (const ids of chunk(alertIds, GET_LIMIT)) {
      const request: KeysAndAttributes = {
        Keys: ids.map((id) => ({ [ALERT_KEY]: { S: id } })),
        ConsistentRead: true,
        ProjectionExpression: '#id, #published',
        ExpressionAttributeNames: { '#id': ALERT_KEY, '#published': PUBLISHED_ATTRIBUTE },
      };
      const left = await retryUntilDone([request], async ([pending]) => {
        const response = await this.send('BatchGetItem', () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: pending as KeysAndAttributes } })),
        );
        for (const item of response.Responses?.[this.table] ?? []) {
          const id = item[ALERT_KEY]?.S;
          if (id === undefined) continue;
          stored.add(id);
          if (item[PUBLISHED_ATTRIBUTE] !== undefined) published.add(id);
        }
        const unprocessed = response.UnprocessedKeys?.[this.table];
        return unprocessed?.Keys?.length ? [unprocessed] : [];
      });
      if (left.length > 0) throw new RetryableError(`the published marks of ${ids.length} alerts stayed unprocessed after retries`);
    }
    return { published, stored };
  }

  async markPublished(items: ReadonlyArray<Record<string, unknown>>, at: Date): Promise<Array<{ alertId: string; reason: string }>> {
    const notMarked: Array<{ alertId: string; reason: string }> = [];
    const marked = items.map((item): Record<string, unknown> => ({ ...item, [PUBLISHED_ATTRIBUTE]: at.toISOString() }));
    for (const part of chunk(marked, WRITE_LIMIT)) {
      const requests: WriteRequest[] = part.map((item) => ({
        PutRequest: { Item: marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) },
      }));
      try {
        const left = await retryUntilDone(requests, async (pending) => {
          const response = await this.send('BatchWriteItem', () =>
            this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: [...pending] } })),
          );
          return response.UnprocessedItems?.[this.table] ?? [];
        });
        notMarked.push(...left.map((r) => ({ alertId: idOf(r.PutRequest?.Item), reason: 'stayed unprocessed after retries' })));
      } catch (error) {
        notMarked.push(...part.map((item) => ({ alertId: String(item[ALERT_KEY]), reason: describeError(error) })));
      }
    }
    return notMarked;
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const detail = `${operation} on the alert outbox ${this.table} failed: ${describeError(error)}`;
      throw classifyAwsError(error) === ErrorKind.configuration
        ? new ConfigurationError(`${detail}; check that the table exists and that the function may read and write it`, { cause: error })
        : new RetryableError(detail, { cause: error });
    }
  }
}

function idOf(item: Record<string, AttributeValue> | undefined): string {
  return item?.[ALERT_KEY]?.S ?? '';
}
