import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { KEY, recordItem, TTL_ATTRIBUTE } from '../shared/adapters/dynamodb-items';
import type { TransactionEnvelope } from '../shared/domain/fraud-rules';
import { validateTransaction } from '../shared/kinds/transaction';
import type { Decision } from '../shared/domain/fraud-rules';
import { scoreTransaction } from '../shared/domain/fraud-rules';
import type { RulesConfig } from '../shared/domain/rules-config';
import { tumblingWindowStart } from '../shared/domain/windows';
import { EntityType } from '../shared/state/store';

export interface BaselineOptions {
  readonly client: DynamoDBClient;
  readonly idempotencyTable: string;
  readonly stateTable: string;
  readonly rules: RulesConfig;
}

/**
 * The per-record baseline, written the way the Powertools documentation shows it: a Kinesis
 * BatchProcessor, and each record's processing made idempotent by `makeIdempotent` with the
 * DynamoDB persistence layer, keyed by the event's own id (so producer duplicates are caught,
 * not only redeliveries). The processing is our domain code around two writes: an UpdateItem that
 * ADDs the transaction to its user's tumbling-window item (returning the new figures to score
 * with), then a PutItem of the decision. Per new event that is four requests (idempotency record
 * put, window update, decision put, idempotency record completed); per duplicate one (the failed
 * idempotency put returns the stored result).
 *
 * Records run one after the other (`processInParallel: false`): that keeps a shard's order, and
 * in parallel a duplicate in the same batch finds its first copy in progress and fails the batch
 * from that record. What it does not do: last-seen country (impossible travel), alerts, pruning.
 * And it counts an event twice if the process dies between the window update and the
 * idempotency record's completion (the record then expires and the event is processed again).
 */
export function createBaselineHandler(
  options: BaselineOptions,
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  const rules = options.rules.transactions;
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: options.idempotencyTable, awsSdkV3Client: options.client });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const processor = new BatchProcessor(EventType.KinesisDataStreams);

  const applyTransaction = async (txn: TransactionEnvelope): Promise<Decision> => {
    const windowStart = tumblingWindowStart(txn.time, rules.window);
    const expiresAt = Math.ceil((windowStart + rules.window + rules.allowedLateness) / 1000) + 24 * 3600;
    const updated = await options.client.send(
      new UpdateItemCommand({
        TableName: options.stateTable,
        Key: { [KEY]: { S: `window#${txn.entity}#${windowStart}` } },
        UpdateExpression: 'ADD #count :one, #sum :amount, #small :small SET #ttl = :ttl',
        ExpressionAttributeNames: { '#count': 'count', '#sum': 'sum', '#small': 'small', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({
          ':one': 1,
          ':amount': txn.event.amount,
          ':small': txn.event.amount <= rules.cardTesting.smallAmount ? 1 : 0,
          ':ttl': expiresAt,
        }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    const window = unmarshall(updated.Attributes ?? {}) as { count?: number; sum?: number; small?: number };
    const decision = scoreTransaction(
      txn,
      { windowCount: window.count ?? 1, windowSum: window.sum ?? txn.event.amount, smallCount: window.small ?? 0 },
      rules,
    );
    await options.client.send(
      new PutItemCommand({
        TableName: options.stateTable,
        Item: marshall(
          recordItem(
            {
              type: EntityType.user,
              entityId: decision.userId,
              eventId: decision.transactionId,
              outcome: decision,
              basedOn: 0,
              decidedAt: Date.now(),
            },
            Math.ceil((Date.now() + options.rules.retention.decisions) / 1000),
          ),
          {
            removeUndefinedValues: true,
          },
        ),
      }),
    );
    return decision;
  };
  const applyOnce = makeIdempotent(applyTransaction, { persistenceStore, config });

  const recordHandler = async (record: KinesisStreamRecord): Promise<Decision> => {
    const validation = validateTransaction(JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')));
    if (!validation.ok) throw new Error(`invalid event: ${validation.reason}`);
    return applyOnce(validation.value);
  };

  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}
