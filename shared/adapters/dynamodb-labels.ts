import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Label } from '../domain/labels';
import { isVerdict, parseLabel } from '../domain/labels';
import { classifyAwsError, ConfigurationError, describeError, ErrorKind, RetryableError } from '../errors';
import { chunk, retryUntilDone } from './batching';
import { INCIDENTS_INDEX, KEY } from './dynamodb-items';

/** AWS says ValidationException for a missing index, moto ResourceNotFoundException; both name the index. */
const INDEX_MISSING = new Set(['ValidationException', 'ResourceNotFoundException']);

/** BatchGetItem takes 100 keys a request. */
const GET_LIMIT = 100;

/**
 * A label is the item `label#<id>` in the state table, one per id: a later verdict overwrites the
 * earlier. It carries the incidents index's attributes (type `label`, sorted by when it was given,
 * epoch seconds), which is how labels are listed by time without a scan; no other reader of the
 * index asks for that type. No expiry: a backtest wants labels as old as its history.
 */
const LABEL_PREFIX = 'label#';
const LABEL_TYPE = 'label';

const labelKey = (id: string): Record<string, AttributeValue> => ({ [KEY]: { S: `${LABEL_PREFIX}${id}` } });

/** Analysts' verdicts in the state table. */
export class DynamoDBLabelStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** Stores the label, replacing any earlier one of its id. Checked again here: a note that looks like a card number is never written. */
  async put(label: Label): Promise<void> {
    const checked = parseLabel(label);
    await this.send('PutItem', () => this.client.send(new PutItemCommand({ TableName: this.table, Item: labelItem(checked) })));
  }

  /** The labels of those ids that have one. */
  async get(ids: Iterable<string>): Promise<Map<string, Label>> {
    // BatchGetItem refuses a request that names a key twice.
    const keys = [...new Set(ids)].map(labelKey);
    return new Map((await this.batchGet(keys)).map((label) => [label.id, label]));
  }

  /** The labels given at or after `since` (all of them without it), oldest first. */
  async list(since?: Date): Promise<Label[]> {
    const keys = await this.keysLabelledFrom(since === undefined ? 0 : Math.floor(since.getTime() / 1000));
    const labels = await this.batchGet(keys);
    // The index has whole seconds; the item has the exact time.
    const from = since?.getTime() ?? -Infinity;
    return labels
      .filter((label) => Date.parse(label.labelledAt) >= from)
      .sort((a, b) => Date.parse(a.labelledAt) - Date.parse(b.labelledAt) || a.id.localeCompare(b.id));
  }

  /** The keys of the labels given at or after `from` (epoch seconds), every page read. The index keeps keys only. */
  private async keysLabelledFrom(from: number): Promise<Array<Record<string, AttributeValue>>> {
    const keys: Array<Record<string, AttributeValue>> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INCIDENTS_INDEX.name,
            KeyConditionExpression: '#type = :type AND #at >= :from',
            ExpressionAttributeNames: { '#type': INCIDENTS_INDEX.partitionKey, '#at': INCIDENTS_INDEX.sortKey },
            ExpressionAttributeValues: { ':type': { S: LABEL_TYPE }, ':from': { N: String(from) } },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) if (item[KEY]) keys.push({ [KEY]: item[KEY] });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }

  private async batchGet(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<Label[]> {
    const labels: Label[] = [];
    for (const part of chunk(keys, GET_LIMIT)) {
      const left = await retryUntilDone(part, async (pending) => {
        const response = await this.send('BatchGetItem', () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: [...pending], ConsistentRead: true } } })),
        );
        labels.push(...(response.Responses?.[this.table] ?? []).map((item) => this.labelOf(item)));
        return response.UnprocessedKeys?.[this.table]?.Keys ?? [];
      });
      if (left.length > 0) throw new RetryableError(`${left.length} labels of ${this.table} stayed unprocessed after retries: try again`);
    }
    return labels;
  }

  private labelOf(item: Record<string, AttributeValue>): Label {
    const id = (item[KEY]?.S ?? '').slice(LABEL_PREFIX.length);
    const verdict = item['verdict']?.S;
    const labelledAt = item['labelledAt']?.S;
    // An item edited by hand must not pass for a label.
    if (!isVerdict(verdict) || labelledAt === undefined || !Number.isFinite(Date.parse(labelledAt)))
      throw new ConfigurationError(`the label of ${id} in ${this.table} has no valid verdict or time: label it again`);
    const note = item['note']?.S;
    return { id, verdict, ...(note === undefined ? {} : { note }), labelledAt };
  }

  /** An SDK error as ours: a missing table or index is the deployment's to fix; anything else may pass on a retry. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const detail = `${operation} on the state table ${this.table} failed: ${describeError(error)}`;
      if (operation === 'Query' && INDEX_MISSING.has((error as Error).name) && /index/i.test((error as Error).message))
        throw new ConfigurationError(
          `the state table ${this.table} has no index ${INCIDENTS_INDEX.name}, which labels are listed by: deploy the stack again`,
          { cause: error },
        );
      throw classifyAwsError(error) === ErrorKind.configuration
        ? new ConfigurationError(`${detail}; check that the table exists and that you may read and write it`, { cause: error })
        : new RetryableError(detail, { cause: error });
    }
  }
}

function labelItem(label: Label): Record<string, AttributeValue> {
  return {
    ...labelKey(label.id),
    itemType: { S: 'label' },
    verdict: { S: label.verdict },
    ...(label.note === undefined ? {} : { note: { S: label.note } }),
    labelledAt: { S: label.labelledAt },
    [INCIDENTS_INDEX.partitionKey]: { S: LABEL_TYPE },
    [INCIDENTS_INDEX.sortKey]: { N: String(Math.floor(Date.parse(label.labelledAt) / 1000)) },
  };
}
