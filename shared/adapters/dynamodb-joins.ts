import type { DynamoDBClient, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Alert } from '../domain/alerts';
import type { JoinCommit, JoinStore, StoredJoin } from '../pipeline/join-batch';
import { classifyAwsError, ConfigurationError, describeError, ErrorKind, RetryableError } from '../errors';
import { chunk, retryUntilDone } from './batching';
import type { StoredJoinItem } from './dynamodb-items';
import { alertItem, joinItem, joinKey, joinStateOf, KEY } from './dynamodb-items';

const GET_LIMIT = 100;
const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/**
 * The orders' joins in the state table (`order#<orderId>`), each written only at the version it was
 * read at, and their alerts in the outbox table, each only if it is not there (its id is the order
 * and the outcome): see joinBatch for the order of the two.
 */
export class DynamoDBJoinStore implements JoinStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly stateTable: string,
    private readonly alertsTable: string,
    /** How long an alert is kept in the outbox (seconds from now, TTL): longer than a join's item, which would store it again. */
    private readonly alertsKeptS = 14 * 86_400,
  ) {}

  async load(orderIds: readonly string[]): Promise<ReadonlyMap<string, StoredJoin>> {
    const joins = new Map<string, StoredJoin>();
    for (const ids of chunk(orderIds, GET_LIMIT)) {
      const request: KeysAndAttributes = { Keys: ids.map(joinKey), ConsistentRead: true };
      const left = await retryUntilDone([request], async ([pending]) => {
        const response = await this.send('BatchGetItem', this.stateTable, () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.stateTable]: pending as KeysAndAttributes } })),
        );
        for (const raw of response.Responses?.[this.stateTable] ?? []) {
          const item = unmarshall(raw) as StoredJoinItem;
          joins.set(item.orderId, { state: joinStateOf(item), version: item.ver });
        }
        const unprocessed = response.UnprocessedKeys?.[this.stateTable];
        return unprocessed?.Keys?.length ? [unprocessed] : [];
      });
      if (left.length > 0) throw new RetryableError(`${ids.length} orders' joins stayed unprocessed after retries`);
    }
    return joins;
  }

  async commit({ orderId, state, basedOn, expiresAt }: JoinCommit): Promise<'committed' | 'conflict'> {
    try {
      await this.send('PutItem', this.stateTable, () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.stateTable,
            Item: marshall(joinItem(orderId, state, basedOn + 1, expiresAt), MARSHALL),
            ConditionExpression: basedOn === 0 ? 'attribute_not_exists(#pk)' : '#ver = :ver',
            ExpressionAttributeNames: basedOn === 0 ? { '#pk': KEY } : { '#ver': 'ver' },
            ...(basedOn === 0 ? {} : { ExpressionAttributeValues: { ':ver': { N: String(basedOn) } } }),
          }),
        ),
      );
      return 'committed';
    } catch (error) {
      if (error instanceof RetryableError && error.cause instanceof ConditionalCheckFailedException) return 'conflict';
      throw error;
    }
  }

  async storeAlerts(alerts: readonly Alert[]): Promise<void> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.alertsKeptS;
    for (const alert of alerts) {
      try {
        await this.send('PutItem', this.alertsTable, () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.alertsTable,
              Item: marshall(alertItem(alert, expiresAt), MARSHALL),
              ConditionExpression: 'attribute_not_exists(alertId)',
            }),
          ),
        );
      } catch (error) {
        // Stored already (by this join's earlier commit, or a retry of it): once is enough.
        if (!(error instanceof RetryableError && error.cause instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  private async send<T>(operation: string, table: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const detail = `${operation} on ${table} failed: ${describeError(error)}`;
      throw classifyAwsError(error) === ErrorKind.configuration
        ? new ConfigurationError(`${detail}; check that the table exists and that the function may read and write it`, { cause: error })
        : new RetryableError(detail, { cause: error });
    }
  }
}
