import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, BatchWriteItemCommand, ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { EntityState } from '../domain/entity-state';
import type { Alert } from '../domain/alerts';
import type { CommitMode, CommitOutcome, Effects, EntityCommit, EntityType, StateStore, StoredDecision } from '../state/store';
import { TransientStoreError } from '../state/store';
import { chunk, mapWithConcurrency, retryUntilDone } from './batching';
import type { StoredEntity } from './dynamodb-items';
import {
  ALERT_KEY,
  alertItem,
  DECISION_PROJECTION,
  storedDecisionOf,
  decisionItem,
  decisionKey,
  ENTITY_VERSION,
  entityItem,
  entityKey,
  entityStateOf,
  KEY,
  projectionOf,
} from './dynamodb-items';

export interface DynamoDBStateStoreOptions {
  readonly client: DynamoDBClient;
  /** Entity states and decisions. */
  readonly stateTable: string;
  /** The alert outbox: its own table, so its stream carries alerts and nothing else. */
  readonly alertsTable: string;
  /** How long decisions and alerts are kept (ms); each item carries a TTL attribute. */
  readonly retention: { readonly decisions: number; readonly alerts: number };
  /** Conditional puts kept in flight at once. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

const GET_LIMIT = 100;
const WRITE_LIMIT = 25;

/**
 * DynamoDB implementation of the state port. Reads are consistent BatchGetItems; decisions and
 * alerts go out in BatchWriteItems (both tables in one request); states are committed either by
 * conditional puts (version check, ALL_OLD on failure instead of a second read) or, for a single
 * writer, by BatchWriteItem. Unprocessed items are retried and never dropped.
 */
export class DynamoDBStateStore implements StateStore {
  private readonly options: Required<Omit<DynamoDBStateStoreOptions, 'now'>> & { now: () => number };

  constructor(options: DynamoDBStateStoreOptions) {
    this.options = { concurrency: 16, now: Date.now, ...options };
  }

  async loadStates<Last>(type: EntityType, ids: readonly string[]): Promise<Map<string, EntityState<Last>>> {
    const items = await this.batchGet(ids.map((id) => entityKey(type, id)));
    const states = new Map<string, EntityState<Last>>();
    for (const item of items) {
      const record = unmarshall(item) as StoredEntity<Last>;
      states.set(record.entityId, entityStateOf(record));
    }
    return states;
  }

  async storedDecisions(transactionIds: readonly string[]): Promise<Map<string, StoredDecision>> {
    const items = await this.batchGet(transactionIds.map(decisionKey), DECISION_PROJECTION);
    return new Map(items.map(storedDecisionOf));
  }

  async writeEffects({ decisions, alerts, lateAlerts }: Effects): Promise<void> {
    const now = this.options.now();
    const requests: Array<[string, WriteRequest]> = [
      ...decisions.map((d): [string, WriteRequest] => [
        this.options.stateTable,
        { PutRequest: { Item: marshall(decisionItem(d, expiry(now, this.options.retention.decisions)), MARSHALL) } },
      ]),
      ...alerts.map((a): [string, WriteRequest] => [
        this.options.alertsTable,
        { PutRequest: { Item: marshall(alertItem(a, expiry(Date.parse(a.eventTime), this.options.retention.alerts)), MARSHALL) } },
      ]),
    ];
    const failed = await this.batchWrite(dedupeByKey(requests));
    if (failed.length > 0) throw new TransientStoreError(`${failed.length} decision/alert writes stayed unprocessed after retries`);
    await mapWithConcurrency(lateAlerts, this.options.concurrency, (alert) => this.putAlertIfNew(alert));
  }

  /** First write wins; an alert already stored is the expected outcome of a replay, not an error. */
  private async putAlertIfNew(alert: Alert): Promise<'stored' | 'already-stored'> {
    try {
      await this.send('PutItem', (client) =>
        client.send(
          new PutItemCommand({
            TableName: this.options.alertsTable,
            Item: marshall(alertItem(alert, expiry(Date.parse(alert.eventTime), this.options.retention.alerts)), MARSHALL),
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': ALERT_KEY },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return 'stored';
    } catch (error) {
      if (error instanceof TransientStoreError && error.cause instanceof ConditionalCheckFailedException) return 'already-stored';
      throw error;
    }
  }

  async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>, mode: CommitMode): Promise<Map<string, CommitOutcome<Last>>> {
    return mode === 'single-writer' ? this.commitBatched(commits) : this.commitConditionally(commits);
  }

  private async commitBatched<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const requests = commits.map((c): [string, WriteRequest] => [
      this.options.stateTable,
      { PutRequest: { Item: marshall(entityItem(c), MARSHALL) } },
    ]);
    const failed = new Set((await this.batchWrite(requests)).map((r) => r[1].PutRequest?.Item?.[KEY]?.S));
    const outcomes = new Map<string, CommitOutcome<Last>>();
    for (const commit of commits) {
      outcomes.set(
        commit.id,
        failed.has(entityKey(commit.type, commit.id)[KEY]?.S)
          ? { status: 'failed', error: new TransientStoreError(`state of ${commit.type} ${commit.id} stayed unprocessed after retries`) }
          : { status: 'committed', version: commit.basedOn + 1 },
      );
    }
    return outcomes;
  }

  private async commitConditionally<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const results = await mapWithConcurrency(commits, this.options.concurrency, (commit) => this.putIfUnchanged(commit));
    return new Map(commits.map((c, i) => [c.id, results[i] as CommitOutcome<Last>]));
  }

  /** One entity, one conditional put: it succeeds only if nobody wrote the entity since we read it. */
  private async putIfUnchanged<Last>(commit: EntityCommit<Last>): Promise<CommitOutcome<Last>> {
    const unchanged = commit.basedOn === 0 ? 'attribute_not_exists(#key)' : '#ver = :basedOn';
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.stateTable,
          Item: marshall(entityItem(commit), MARSHALL),
          ConditionExpression: unchanged,
          ExpressionAttributeNames: commit.basedOn === 0 ? { '#key': KEY } : { '#ver': ENTITY_VERSION },
          ...(commit.basedOn === 0 ? {} : { ExpressionAttributeValues: { ':basedOn': { N: String(commit.basedOn) } } }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return { status: 'committed', version: commit.basedOn + 1 };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item
          ? entityStateOf(unmarshall(error.Item) as StoredEntity<Last>)
          : ({ version: 0, watermark: null, panes: {} } as EntityState<Last>);
        return { status: 'conflict', current };
      }
      return {
        status: 'failed',
        error: new TransientStoreError(`conditional put of ${commit.type} ${commit.id} failed`, { cause: error }),
      };
    }
  }

  private async batchGet(
    keys: ReadonlyArray<Record<string, AttributeValue>>,
    projection?: readonly string[],
  ): Promise<Array<Record<string, AttributeValue>>> {
    const table = this.options.stateTable;
    const found: Array<Record<string, AttributeValue>> = [];
    for (const part of chunk(uniqueKeys(keys), GET_LIMIT)) {
      const left = await retryUntilDone(part, async (pending) => {
        const response = await this.send('BatchGetItem', (client) =>
          client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [table]: {
                  Keys: [...pending],
                  ConsistentRead: true,
                  ...(projection ? projectionOf(projection) : {}),
                },
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        found.push(...(response.Responses?.[table] ?? []));
        return response.UnprocessedKeys?.[table]?.Keys ?? [];
      });
      if (left.length > 0) throw new TransientStoreError(`${left.length} keys stayed unprocessed after retries`);
    }
    return found;
  }

  /** Returns the requests not written: still unprocessed after the retries, or in a request that failed. */
  private async batchWrite(requests: ReadonlyArray<[string, WriteRequest]>): Promise<Array<[string, WriteRequest]>> {
    const failed: Array<[string, WriteRequest]> = [];
    for (const part of chunk(requests, WRITE_LIMIT)) {
      try {
        const left = await retryUntilDone(part, async (pending) => {
          const response = await this.send('BatchWriteItem', (client) =>
            client.send(new BatchWriteItemCommand({ RequestItems: groupByTable(pending), ReturnConsumedCapacity: 'TOTAL' })),
          );
          return Object.entries(response.UnprocessedItems ?? {}).flatMap(([tableName, items]) =>
            items.map((item): [string, WriteRequest] => [tableName, item]),
          );
        });
        failed.push(...left);
      } catch (error) {
        if (!(error instanceof TransientStoreError)) throw error;
        failed.push(...part);
      }
    }
    return failed;
  }

  /** Any SDK error on a read or batch write is worth retrying later: the whole batch is reported failed. */
  private async send<T>(operation: string, call: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    try {
      return await call(this.options.client);
    } catch (error) {
      throw new TransientStoreError(`DynamoDB ${operation} failed`, { cause: error });
    }
  }
}

const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

function expiry(from: number, keepFor: number): number {
  return Math.ceil((from + keepFor) / 1000);
}

function groupByTable(requests: ReadonlyArray<[string, WriteRequest]>): Record<string, WriteRequest[]> {
  const byTable: Record<string, WriteRequest[]> = {};
  for (const [table, request] of requests) (byTable[table] ??= []).push(request);
  return byTable;
}

/** BatchWriteItem rejects two writes to one key in a request; the last write of a key wins, as it would in sequence. */
function dedupeByKey(requests: ReadonlyArray<[string, WriteRequest]>): Array<[string, WriteRequest]> {
  const byKey = new Map<string, [string, WriteRequest]>();
  for (const request of requests) {
    const item = request[1].PutRequest?.Item ?? {};
    const key = `${request[0]}\u0000${item[KEY]?.S ?? item['alertId']?.S}`;
    byKey.delete(key);
    byKey.set(key, request);
  }
  return [...byKey.values()];
}

function uniqueKeys(keys: ReadonlyArray<Record<string, AttributeValue>>): Array<Record<string, AttributeValue>> {
  const seen = new Map<string, Record<string, AttributeValue>>();
  for (const key of keys) seen.set(key[KEY]?.S ?? '', key);
  return [...seen.values()];
}
