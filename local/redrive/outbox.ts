import type { DynamoDBClient, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { chunk, retryUntilDone } from '../../shared/adapters/batching';
import { ALERT_KEY, PUBLISHED_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';

/** What the redrive of publish-alerts' DLQ reads of the alert outbox (DynamoDB: `OutboxTable`; tests may keep one in memory). */
export interface OutboxItems {
  /** The items of these alert ids (consistent reads), unmarshalled; an id the outbox does not hold is left out. */
  read(alertIds: readonly string[]): Promise<Array<Record<string, unknown>>>;
  /** Every item without the published mark, page by page (a consistent Scan of the table). */
  unpublished(): AsyncIterable<Array<Record<string, unknown>>>;
}

const GET_LIMIT = 100;

export class OutboxTable implements OutboxItems {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async read(alertIds: readonly string[]): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for (const ids of chunk([...new Set(alertIds)], GET_LIMIT)) {
      const request: KeysAndAttributes = { Keys: ids.map((id) => ({ [ALERT_KEY]: { S: id } })), ConsistentRead: true };
      const left = await retryUntilDone([request], async ([pending]) => {
        const response = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: pending as KeysAndAttributes } }));
        items.push(...(response.Responses?.[this.table] ?? []).map((item) => unmarshall(item)));
        const unprocessed = response.UnprocessedKeys?.[this.table];
        return unprocessed?.Keys?.length ? [unprocessed] : [];
      });
      if (left.length > 0) throw new Error(`the outbox ${this.table} left ${ids.length} keys unprocessed after retries`);
    }
    return items;
  }

  async *unpublished(): AsyncIterable<Array<Record<string, unknown>>> {
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.table,
        ConsistentRead: true,
        FilterExpression: 'attribute_not_exists(#published)',
        ExpressionAttributeNames: { '#published': PUBLISHED_ATTRIBUTE },
      },
    );
    for await (const page of pages) {
      const items = (page.Items ?? []).map((item) => unmarshall(item));
      if (items.length > 0) yield items;
    }
  }
}
