import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { BudgetStore } from '../alerting/budgeted-publisher';
import type { BudgetedSubscriber, Digest, Protocol } from '../alerting/budgets';
import { parseHeldEntry } from '../alerting/budgets';
import { budgetKey, DIGEST_TYPE, digestKey, INCIDENTS_INDEX, KEY, TTL_ATTRIBUTE } from './dynamodb-items';

/** A budget count is kept a day past its window; a digest two weeks (as the DLQs), should the sweep be down that long. */
const BUDGET_KEPT_S = 86_400;
const DIGEST_KEPT_S = 14 * 86_400;

/** A digest the sweep found due, with its entries as stored (what `sent` removes). */
export interface DueDigest extends Digest {
  readonly entries: readonly string[];
}

/**
 * Budgets and digests in the state table. A window's count is a string set of the alert ids sent in
 * it, so a retried alert is recognised and the count cannot pass the limit (the condition reads the
 * set's size); a digest is a string set of held entries, so holding one twice keeps it once. Digests
 * carry the incidents index's attributes (type `digest`, due at the window's end), which is how the
 * sweep finds them.
 */
export class DynamoDBBudgetStore implements BudgetStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async take(subscriber: BudgetedSubscriber, alertId: string, window: { start: number; end: number }): Promise<'send' | 'hold'> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: budgetKey(subscriber.id, window.start),
          UpdateExpression: 'ADD #sent :ids SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#sent) OR size(#sent) < :limit OR contains(#sent, :id)',
          ExpressionAttributeNames: { '#sent': 'sent', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':ids': { SS: [alertId] },
            ':id': { S: alertId },
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

  async hold(subscriber: BudgetedSubscriber, entry: string, window: { start: number; end: number }): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: digestKey(subscriber.id, window.start),
        UpdateExpression:
          'ADD #entries :entry SET #type = :type, #due = :due, recipient = :recipient, protocol = :protocol, ' +
          '#limit = :limit, perMs = :per, windowStart = :start, windowEnd = :end, #ttl = :ttl',
        ExpressionAttributeNames: {
          '#entries': 'entries',
          '#type': INCIDENTS_INDEX.partitionKey,
          '#due': INCIDENTS_INDEX.sortKey,
          '#limit': 'limit',
          '#ttl': TTL_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':entry': { SS: [entry] },
          ':type': { S: DIGEST_TYPE },
          ':due': { N: String(Math.ceil(window.end / 1000)) },
          ':recipient': { S: subscriber.id },
          ':protocol': { S: subscriber.protocol },
          ':limit': { N: String(subscriber.budget.notifications) },
          ':per': { N: String(subscriber.budget.perMs) },
          ':start': { N: String(window.start) },
          ':end': { N: String(window.end) },
          ':ttl': { N: String(Math.ceil(window.end / 1000) + DIGEST_KEPT_S) },
        },
      }),
    );
  }

  /** The digests whose window has ended by `now`, read consistently. */
  async dueDigests(now: number): Promise<DueDigest[]> {
    const keys: Array<Record<string, AttributeValue>> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INCIDENTS_INDEX.name,
          KeyConditionExpression: '#type = :type AND #due <= :now',
          ExpressionAttributeNames: { '#type': INCIDENTS_INDEX.partitionKey, '#due': INCIDENTS_INDEX.sortKey },
          ExpressionAttributeValues: { ':type': { S: DIGEST_TYPE }, ':now': { N: String(Math.floor(now / 1000)) } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (item[KEY]) keys.push({ [KEY]: item[KEY] });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const digests: DueDigest[] = [];
    for (const key of keys) {
      const item = (await this.client.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
      const entries = item?.['entries']?.SS ?? [];
      if (!item || entries.length === 0) continue;
      const number = (name: string) => Number(item[name]?.N ?? 0);
      digests.push({
        recipient: item['recipient']?.S ?? '',
        protocol: (item['protocol']?.S ?? 'sqs') as Protocol,
        budget: { notifications: number('limit'), perMs: number('perMs') },
        windowStart: number('windowStart'),
        windowEnd: number('windowEnd'),
        held: entries.map(parseHeldEntry),
        entries,
      });
    }
    return digests;
  }

  /**
   * Takes the sent entries out of their digest, and the digest away once it is empty. An entry held
   * while the digest was being sent stays, and goes with the next sweep.
   */
  async sent(digest: DueDigest): Promise<void> {
    const key = digestKey(digest.recipient, digest.windowStart);
    const left = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: key,
        UpdateExpression: 'DELETE #entries :sent',
        ExpressionAttributeNames: { '#entries': 'entries' },
        ExpressionAttributeValues: { ':sent': { SS: [...digest.entries] } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if ((left.Attributes?.['entries']?.SS ?? []).length > 0) return;
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: 'attribute_not_exists(#entries)',
          ExpressionAttributeNames: { '#entries': 'entries' },
        }),
      );
    } catch (error) {
      // An entry came in between: the digest stays for the next sweep.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
