import type { AttributeValue, DynamoDBClient, KeysAndAttributes, WriteRequest } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { BudgetStore } from '../alerting/budgeted-publisher';
import type { Budget, BudgetedSubscriber, Digest, Protocol } from '../alerting/budgets';
import { parseHeldEntry } from '../alerting/budgets';
import { RetryableError } from '../errors';
import { chunk, retryUntilDone } from './batching';
import { budgetKey, DIGEST_TYPE, heldKey, INCIDENTS_INDEX, KEY, TTL_ATTRIBUTE } from './dynamodb-items';
import { dueKeys } from './incidents-index';

/** A budget count is kept a day past its window; a held notification two weeks (as the DLQs), should the sweep be down that long. */
const BUDGET_KEPT_S = 86_400;
const HELD_KEPT_S = 14 * 86_400;
const GET_LIMIT = 100;
const WRITE_LIMIT = 25;

/** A digest the sweep found due, with the keys of its held items (what `sent` removes). */
export interface DueDigest extends Digest {
  readonly keys: ReadonlyArray<Record<string, AttributeValue>>;
}

/**
 * Budgets and held notifications in the state table. A window's count is a string set of the ids
 * sent in it, so a retried alert is recognised and the count cannot pass the limit (the condition
 * reads the set's size). A held notification is an item of its own (`held#<subscriber>#<window>#<id>`),
 * so holding it twice keeps one, no item grows with a storm, and no single key takes every write;
 * each carries the incidents index's attributes (type `digest`, due at its window's end), which is
 * how the sweep finds them.
 */
export class DynamoDBBudgetStore implements BudgetStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async take(
    subscriber: Pick<BudgetedSubscriber, 'id' | 'budget'>,
    messageId: string,
    window: { start: number; end: number },
  ): Promise<'send' | 'hold'> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: budgetKey(subscriber.id, window.start),
          UpdateExpression: 'ADD #sent :ids SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#sent) OR size(#sent) < :limit OR contains(#sent, :id)',
          ExpressionAttributeNames: { '#sent': 'sent', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':ids': { SS: [messageId] },
            ':id': { S: messageId },
            ':limit': { N: String(subscriber.budget.notifications) },
            ':ttl': { N: String(Math.ceil(window.end / 1000) + BUDGET_KEPT_S) },
          },
        }),
      );
      return 'send';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'hold';
      throw error;
    }
  }

  async hold(subscriber: BudgetedSubscriber, alertId: string, entry: string, window: { start: number; end: number }): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          ...heldKey(subscriber.id, window.start, alertId),
          [INCIDENTS_INDEX.partitionKey]: { S: DIGEST_TYPE },
          [INCIDENTS_INDEX.sortKey]: { N: String(Math.ceil(window.end / 1000)) },
          recipient: { S: subscriber.id },
          protocol: { S: subscriber.protocol },
          limit: { N: String(subscriber.budget.notifications) },
          perMs: { N: String(subscriber.budget.perMs) },
          windowStart: { N: String(window.start) },
          windowEnd: { N: String(window.end) },
          entry: { S: entry },
          [TTL_ATTRIBUTE]: { N: String(Math.ceil(window.end / 1000) + HELD_KEPT_S) },
        },
      }),
    );
  }

  /** The held notifications whose window has ended by `now`, as one digest per subscriber and window. */
  async dueDigests(now: number): Promise<DueDigest[]> {
    const keys = await dueKeys(this.client, this.table, DIGEST_TYPE, Math.floor(now / 1000));
    const digests = new Map<string, { digest: Omit<DueDigest, 'held' | 'keys'>; held: string[]; keys: typeof keys }>();
    for (const item of await this.getAll(keys)) {
      const number = (name: string) => Number(item[name]?.N ?? 0);
      const recipient = item['recipient']?.S ?? '';
      const windowStart = number('windowStart');
      const group = `${recipient}\u0000${windowStart}`;
      const budget: Budget = { notifications: number('limit'), perMs: number('perMs') };
      const found = digests.get(group) ?? {
        digest: { recipient, protocol: (item['protocol']?.S ?? 'sqs') as Protocol, budget, windowStart, windowEnd: number('windowEnd') },
        held: [],
        keys: [],
      };
      found.held.push(item['entry']?.S ?? '');
      found.keys.push({ [KEY]: item[KEY] as AttributeValue });
      digests.set(group, found);
    }
    return [...digests.values()].map(({ digest, held, keys: itemKeys }) => ({ ...digest, held: held.map(parseHeldEntry), keys: itemKeys }));
  }

  /** Removes the digest's held items (those read: one held since stays for the next sweep). */
  async sent(digest: DueDigest): Promise<void> {
    for (const part of chunk(digest.keys, WRITE_LIMIT)) {
      const requests: WriteRequest[] = part.map((key) => ({ DeleteRequest: { Key: key } }));
      const left = await retryUntilDone(requests, async (pending) => {
        const response = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: [...pending] } }));
        return response.UnprocessedItems?.[this.table] ?? [];
      });
      if (left.length > 0) throw new RetryableError(`${left.length} held notifications of a sent digest stayed unremoved after retries`);
    }
  }

  private async getAll(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    for (const part of chunk(keys, GET_LIMIT)) {
      const request: KeysAndAttributes = { Keys: [...part], ConsistentRead: true };
      const left = await retryUntilDone([request], async ([pending]) => {
        const response = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: pending as KeysAndAttributes } }));
        items.push(...(response.Responses?.[this.table] ?? []));
        const unprocessed = response.UnprocessedKeys?.[this.table];
        return unprocessed?.Keys?.length ? [unprocessed] : [];
      });
      if (left.length > 0) throw new RetryableError(`held notifications of ${part.length} keys stayed unread after retries`);
    }
    return items;
  }
}
