import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, BatchWriteItemCommand, ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { EntityState } from '../domain/entity-state';
import type { OperatorAction } from '../domain/incidents';
import { emptyState } from '../domain/entity-state';
import type { CommitMode, CommitOutcome, Effects, EntityCommit, EntityType, EventRef, StateStore, StoredEvent } from '../state/store';
import { RefusedItemsError } from '../state/store';
import type { RiskstreamError } from '../errors';
import { classifyAwsError, ConfigurationError, ErrorKind, RecordError, RetryableError } from '../errors';
import { namesOfRecordKey } from '../kinds/names';
import { chunk, mapWithConcurrency, retryUntilDone } from './batching';
import type { OperatorActionsItem, StoredEntity } from './dynamodb-items';
import {
  ALERT_KEY,
  alertKey,
  alertItem,
  ENTITY_VERSION,
  entityItem,
  entityKey,
  entityStateOf,
  isRecordItem,
  KEY,
  operatorActionsKey,
  projectionOf,
  recordItem,
  recordKey,
  storedEventOf,
} from './dynamodb-items';

export interface DynamoDBStateStoreOptions {
  readonly client: DynamoDBClient;
  /** Entity states and event records. */
  readonly stateTable: string;
  /** The alert outbox: its own table, so its stream carries alerts and nothing else. */
  readonly alertsTable: string;
  /** How long event records (decisions, readings' statuses) and alerts are kept (ms); each item carries a TTL attribute. */
  readonly retention: { readonly decisions: number; readonly alerts: number };
  /** Conditional puts kept in flight at once. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

const GET_LIMIT = 100;
const WRITE_LIMIT = 25;

/**
 * DynamoDB implementation of the state port. Reads are consistent BatchGetItems; event records and
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
    return (await this.loadBatch<Last>(type, ids, [])).states;
  }

  /** Entities and event records live in one table: one BatchGetItem reads both (100 keys a request). */
  async loadBatch<Last>(
    type: EntityType,
    entityIds: readonly string[],
    events: readonly EventRef[],
  ): Promise<{ states: Map<string, EntityState<Last>>; records: Map<string, StoredEvent> }> {
    const items = await this.batchGet(this.options.stateTable, [
      ...entityIds.map((id) => entityKey(type, id)),
      ...events.map((ref) => recordKey(type, ref)),
    ]);
    const states = new Map<string, EntityState<Last>>();
    const records = new Map<string, StoredEvent>();
    for (const item of items) {
      if (isRecordItem(type, item)) {
        const [id, stored] = storedEventOf(item);
        records.set(id, stored);
        continue;
      }
      const entity = unmarshall(item) as StoredEntity<Last>;
      states.set(entity.entityId, entityStateOf(entity));
    }
    return { states, records };
  }

  /** Entities and their operators' actions live in one table: one BatchGetItem reads both. */
  async loadControl<Last>(
    type: EntityType,
    ids: readonly string[],
  ): Promise<{ states: Map<string, EntityState<Last>>; actions: Map<string, readonly OperatorAction[]> }> {
    const items = await this.batchGet(this.options.stateTable, [
      ...ids.map((id) => entityKey(type, id)),
      ...ids.map((id) => operatorActionsKey(type, id)),
    ]);
    const states = new Map<string, EntityState<Last>>();
    const actions = new Map<string, readonly OperatorAction[]>();
    for (const item of items.map((i) => unmarshall(i))) {
      if (String(item[KEY]).startsWith('ops#')) actions.set(String(item['entityId']), (item as OperatorActionsItem).actions);
      else states.set(String(item['entityId']), entityStateOf(item as StoredEntity<Last>));
    }
    return { states, actions };
  }

  /**
   * Event records and the alerts not stored yet go out in BatchWriteItems (both tables in one request).
   * Which alerts are stored is read first (one BatchGetItem of their keys), unless none can be:
   * BatchWriteItem has no conditions, and a stored alert may already carry publish-alerts' mark.
   */
  async writeEffects({ records, alerts, alertsMayBeStored }: Effects): Promise<void> {
    const now = this.options.now();
    const stored = alertsMayBeStored ? await this.storedAlertIds(alerts.map((a) => a.alertId)) : new Set<string>();
    const requests: Array<[string, WriteRequest]> = [
      ...records.map((r): [string, WriteRequest] => [
        this.options.stateTable,
        { PutRequest: { Item: marshall(recordItem(r, r.expiresAt ?? expiry(now, this.options.retention.decisions)), MARSHALL) } },
      ]),
      ...alerts
        .filter((a) => !stored.has(a.alertId))
        .map((a): [string, WriteRequest] => [
          this.options.alertsTable,
          { PutRequest: { Item: marshall(alertItem(a, expiry(Date.parse(a.eventTime), this.options.retention.alerts)), MARSHALL) } },
        ]),
    ];
    const { unwritten, refused } = await this.batchWrite(dedupeByKey(requests));
    if (refused.length > 0) throw new RefusedItemsError(refused.map(({ request, error }) => ({ eventIds: eventIdsOf(request), error })));
    if (unwritten.length > 0) throw new RetryableError(`${unwritten.length} record/alert writes stayed unprocessed after retries`);
  }

  private async storedAlertIds(alertIds: readonly string[]): Promise<Set<string>> {
    if (alertIds.length === 0) return new Set();
    const items = await this.batchGet(this.options.alertsTable, alertIds.map(alertKey), [ALERT_KEY]);
    return new Set(items.map((item) => String(item[ALERT_KEY]?.S)));
  }

  async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>, mode: CommitMode): Promise<Map<string, CommitOutcome<Last>>> {
    return mode === 'single-writer' ? this.commitBatched(commits) : this.commitConditionally(commits);
  }

  private async commitBatched<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const requests = commits.map((c): [string, WriteRequest] => [
      this.options.stateTable,
      { PutRequest: { Item: marshall(entityItem(c), MARSHALL) } },
    ]);
    const { unwritten, refused } = await this.batchWrite(requests);
    const keyOf = (request: [string, WriteRequest]): string | undefined => request[1].PutRequest?.Item?.[KEY]?.S;
    const unwrittenKeys = new Set(unwritten.map(keyOf));
    const refusedKeys = new Map(refused.map(({ request, error }) => [keyOf(request), error]));
    const outcomes = new Map<string, CommitOutcome<Last>>();
    for (const commit of commits) {
      const key = entityKey(commit.type, commit.id)[KEY]?.S;
      const refusal = refusedKeys.get(key);
      if (refusal) outcomes.set(commit.id, { status: 'failed', error: refusal });
      else if (unwrittenKeys.has(key)) {
        outcomes.set(commit.id, {
          status: 'failed',
          error: new RetryableError(`state of ${commit.type} ${commit.id} stayed unprocessed after retries`),
        });
      } else outcomes.set(commit.id, { status: 'committed', version: commit.basedOn + 1 });
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
        const current = error.Item ? entityStateOf(unmarshall(error.Item) as StoredEntity<Last>) : emptyState<Last>();
        return { status: 'conflict', current };
      }
      return { status: 'failed', error: storeError(`PutItem of the state of ${commit.type} ${commit.id}`, error) };
    }
  }

  private async batchGet(
    table: string,
    keys: ReadonlyArray<Record<string, AttributeValue>>,
    projection?: readonly string[],
  ): Promise<Array<Record<string, AttributeValue>>> {
    const found: Array<Record<string, AttributeValue>> = [];
    for (const part of chunk(uniqueKeys(keys), GET_LIMIT)) {
      const left = await retryUntilDone(part, async (pending) => {
        const response = await this.send('BatchGetItem', (client) =>
          client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [table]: { Keys: [...pending], ConsistentRead: true, ...(projection ? projectionOf(projection) : {}) },
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        found.push(...(response.Responses?.[table] ?? []));
        return response.UnprocessedKeys?.[table]?.Keys ?? [];
      });
      if (left.length > 0) throw new RetryableError(`${left.length} keys stayed unprocessed after retries`);
    }
    return found;
  }

  /**
   * Writes in requests of 25 and says what was not written: `unwritten` (still unprocessed after the
   * retries, or in a request that failed for a retryable reason) and `refused` (an item DynamoDB will
   * never take, with why). DynamoDB refuses a whole BatchWriteItem for one bad item without naming
   * it, so such a request is written again item by item: the bad item is refused alone and its
   * neighbours are written. A configuration error throws: nothing else would succeed either.
   */
  private async batchWrite(requests: ReadonlyArray<[string, WriteRequest]>): Promise<WriteResult> {
    const unwritten: Array<[string, WriteRequest]> = [];
    const refused: RefusedWrite[] = [];
    for (const part of chunk(requests, WRITE_LIMIT)) {
      try {
        unwritten.push(...(await this.writeRequest(part)));
      } catch (error) {
        if (error instanceof RecordError && part.length > 1) {
          const alone = await mapWithConcurrency(part, this.options.concurrency, (request) => this.writeAlone(request));
          for (const result of alone) {
            unwritten.push(...result.unwritten);
            refused.push(...result.refused);
          }
        } else if (error instanceof RecordError) refused.push({ request: part[0] as [string, WriteRequest], error });
        else if (error instanceof RetryableError) unwritten.push(...part);
        else throw error;
      }
    }
    return { unwritten, refused };
  }

  private async writeAlone(request: [string, WriteRequest]): Promise<WriteResult> {
    try {
      return { unwritten: await this.writeRequest([request]), refused: [] };
    } catch (error) {
      if (error instanceof RecordError) return { unwritten: [], refused: [{ request, error }] };
      if (error instanceof RetryableError) return { unwritten: [request], refused: [] };
      throw error;
    }
  }

  /** One BatchWriteItem, its unprocessed items retried with backoff; returns what stayed unprocessed. */
  private async writeRequest(part: ReadonlyArray<[string, WriteRequest]>): Promise<Array<[string, WriteRequest]>> {
    return retryUntilDone(part, async (pending) => {
      const response = await this.send('BatchWriteItem', (client) =>
        client.send(new BatchWriteItemCommand({ RequestItems: groupByTable(pending), ReturnConsumedCapacity: 'TOTAL' })),
      );
      return Object.entries(response.UnprocessedItems ?? {}).flatMap(([tableName, items]) =>
        items.map((item): [string, WriteRequest] => [tableName, item]),
      );
    });
  }

  /** Every SDK error leaves as one of the project's three kinds (shared/errors.ts), with the SDK's error as its cause. */
  private async send<T>(operation: string, call: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    try {
      return await call(this.options.client);
    } catch (error) {
      throw storeError(operation, error);
    }
  }
}

interface RefusedWrite {
  readonly request: [string, WriteRequest];
  readonly error: RecordError;
}

interface WriteResult {
  readonly unwritten: Array<[string, WriteRequest]>;
  readonly refused: RefusedWrite[];
}

/** The events an event record (its kind's id attribute, names.ts) or alert item was made for. */
function eventIdsOf([, request]: [string, WriteRequest]): string[] {
  const item = request.PutRequest?.Item ?? {};
  const idField = namesOfRecordKey(item[KEY]?.S ?? '')?.record.idField;
  const eventId = idField === undefined ? undefined : item[idField]?.S;
  if (eventId !== undefined) return [eventId];
  return (item['eventIds']?.L ?? []).flatMap((id) => (id.S === undefined ? [] : [id.S]));
}

/** An SDK error as one of the three kinds, with a message that says what was being done. */
function storeError(operation: string, error: unknown): RiskstreamError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  switch (classifyAwsError(error)) {
    case ErrorKind.record:
      return new RecordError(`DynamoDB refused ${operation} (${detail})`, { cause: error });
    case ErrorKind.configuration:
      return new ConfigurationError(
        `DynamoDB ${operation} failed: ${detail}. Check that the tables named by STATE_TABLE and ALERTS_TABLE exist and that the function's role may use them`,
        { cause: error },
      );
    default:
      return new RetryableError(`DynamoDB ${operation} failed (${detail})`, { cause: error });
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
  for (const key of keys) seen.set(key[KEY]?.S ?? key[ALERT_KEY]?.S ?? '', key);
  return [...seen.values()];
}
