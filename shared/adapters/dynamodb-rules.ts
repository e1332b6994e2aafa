import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { RulesConfig } from '../domain/rules-config';
import { parseRulesConfig } from '../domain/rules-config';
import type { RulesHead, RulesVersion } from '../domain/rules-versions';
import { SEED_VERSION } from '../domain/rules-versions';
import { ConfigurationError } from '../errors';
import { chunk } from './batching';
import { KEY } from './dynamodb-items';

/** Rules items in the state table: one per version, never changed, and the head that says which is live. */
const HEAD_KEY = { [KEY]: { S: 'rules#head' } };
const versionKey = (version: number) => ({ [KEY]: { S: `rules#v${version}` } });

/** A change to the head that lost to another one (a proposal or a promotion meanwhile): say so, change nothing. */
export class RulesChangedMeanwhileError extends ConfigurationError {
  override readonly name = 'RulesChangedMeanwhileError';
}

/**
 * The rules versions in DynamoDB. Why here and not SSM Parameter Store or AppConfig: a promotion
 * is a compare-and-set (the candidate that was reviewed becomes live, or nothing happens), which a
 * conditional write gives and a parameter label does not; versions are kept as long as wanted (SSM
 * keeps 100); the functions read one small item per cache period (AppConfig's data plane is not in
 * the emulator); and it is the table, the key and the IAM the functions already have.
 */
export class DynamoDBRulesStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async head(): Promise<RulesHead | undefined> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.table, Key: HEAD_KEY, ConsistentRead: true }))).Item;
    if (!item) return undefined;
    const number = (name: string) => (item[name]?.N === undefined ? undefined : Number(item[name]?.N));
    const candidate = number('candidate');
    return {
      live: number('live') ?? SEED_VERSION,
      latest: number('latest') ?? SEED_VERSION,
      ...(candidate === undefined ? {} : { candidate }),
      wasLive: (item['wasLive']?.NS ?? []).map(Number).sort((a, b) => a - b),
    };
  }

  async get(version: number): Promise<RulesVersion | undefined> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.table, Key: versionKey(version), ConsistentRead: true })))
      .Item;
    return item ? versionOf(item) : undefined;
  }

  /** Versions 1 to `latest` as stored, oldest first. */
  async list(latest: number): Promise<RulesVersion[]> {
    const versions: RulesVersion[] = [];
    const numbers = Array.from({ length: latest }, (_, i) => i + 1);
    for (const part of chunk(numbers, 100)) {
      let keys: Array<Record<string, AttributeValue>> = part.map(versionKey);
      while (keys.length > 0) {
        const response = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        versions.push(...(response.Responses?.[this.table] ?? []).map(versionOf));
        keys = response.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return versions.sort((a, b) => a.version - b.version);
  }

  /** A put in a transaction that stores the item only if its key is new: a version is never overwritten. */
  private putNew(item: Record<string, AttributeValue>) {
    return {
      Put: {
        TableName: this.table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY },
      },
    };
  }

  /** Stores the deploy's rules as version 1, live, unless versions are stored already (then nothing changes). */
  async seed(document: RulesConfig, note: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            this.putNew(versionItem({ version: SEED_VERSION, document, note, createdAt: at.toISOString() })),
            this.putNew({
              ...HEAD_KEY,
              itemType: { S: 'rulesHead' },
              live: { N: String(SEED_VERSION) },
              latest: { N: String(SEED_VERSION) },
            }),
          ],
        }),
      );
    } catch (error) {
      // Stored already (by this or another command): nothing to do. Anything else is an error.
      if (!lostACondition(error)) throw error;
    }
  }

  /** Stores the next version and makes it the candidate (replacing any), if the head is still `head`. */
  async propose(head: RulesHead, document: RulesConfig, note: string, at: Date): Promise<RulesVersion> {
    const stored: RulesVersion = { version: head.latest + 1, document, note, createdAt: at.toISOString(), basedOn: head.live };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            this.putNew(versionItem(stored)),
            {
              Update: {
                TableName: this.table,
                Key: HEAD_KEY,
                UpdateExpression: 'SET latest = :next, candidate = :next',
                // Also the live version it was merged over: a promotion meanwhile makes the proposal stale.
                ConditionExpression: 'latest = :latest AND live = :live',
                ExpressionAttributeValues: {
                  ':next': { N: String(stored.version) },
                  ':latest': { N: String(head.latest) },
                  ':live': { N: String(head.live) },
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (lostACondition(error))
        throw new RulesChangedMeanwhileError(
          `the rules changed meanwhile (live was ${head.live}, latest ${head.latest}): look again and propose again`,
        );
      throw error;
    }
    return stored;
  }

  /**
   * Makes `version` live (a promotion of the candidate, or a rollback), if the head is still `head`;
   * the version it replaces joins those that were live. `dropCandidate` removes the candidate too (a
   * promotion of it, or a rollback away from the version it was proposed over).
   */
  async makeLive(head: RulesHead, version: number, dropCandidate: boolean): Promise<void> {
    const candidateNow = head.candidate === undefined ? 'attribute_not_exists(candidate)' : 'candidate = :candidate';
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: HEAD_KEY,
          UpdateExpression: `SET live = :version ADD wasLive :previous${dropCandidate ? ' REMOVE candidate' : ''}`,
          ConditionExpression: `live = :live AND latest = :latest AND ${candidateNow}`,
          ExpressionAttributeValues: {
            ':version': { N: String(version) },
            ':previous': { NS: [String(head.live)] },
            ':live': { N: String(head.live) },
            ':latest': { N: String(head.latest) },
            ...(head.candidate === undefined ? {} : { ':candidate': { N: String(head.candidate) } }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new RulesChangedMeanwhileError(`the rules changed meanwhile (live was ${head.live}, latest ${head.latest}): look again`);
      throw error;
    }
  }
}

/** A transaction cancelled only because a condition of it did not hold (not a throttle, not a conflict). */
function lostACondition(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('ConditionalCheckFailed') && codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed');
}

function versionItem(version: RulesVersion): Record<string, AttributeValue> {
  return {
    ...versionKey(version.version),
    itemType: { S: 'rules' },
    version: { N: String(version.version) },
    document: { S: JSON.stringify(version.document) },
    note: { S: version.note },
    createdAt: { S: version.createdAt },
    ...(version.basedOn === undefined ? {} : { basedOn: { N: String(version.basedOn) } }),
  };
}

function versionOf(item: Record<string, AttributeValue>): RulesVersion {
  const basedOn = item['basedOn']?.N;
  return {
    version: Number(item['version']?.N),
    // Validated again on the way out: a document edited by hand in the table fails here, by field.
    document: parseRulesConfig(storedJson(item)),
    note: item['note']?.S ?? '',
    createdAt: item['createdAt']?.S ?? '',
    ...(basedOn === undefined ? {} : { basedOn: Number(basedOn) }),
  };
}

/** A stored document that is not JSON was edited by hand: a person has to fix it (retrying would not). */
function storedJson(item: Record<string, AttributeValue>): unknown {
  try {
    return JSON.parse(item['document']?.S ?? '{}');
  } catch (error) {
    throw new ConfigurationError(`rules version ${item['version']?.N ?? '?'} is not JSON: ${(error as Error).message}`);
  }
}
