import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { chunk, retryUntilDone } from '../../shared/adapters/batching';
import type { OperatorActionsItem, StoredEntity } from '../../shared/adapters/dynamodb-items';
import { entityStateOf, INCIDENTS_INDEX, KEY, operatorActionsKey, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';
import type { OperatorAction } from '../../shared/domain/incidents';
import { ConfigurationError, RetryableError } from '../../shared/errors';
import { controlRecord } from '../../shared/kinesis/control-records';
import type { EntityType } from '../../shared/state/store';
import { emulatorClientConfig } from '../clients';
import { reachableDeploy } from '../runtime/runtime';
import type { EntityIncidentsView, OpenIncident } from './format';
import { ALL_ENTITY_TYPES, ALL_KIND_NAMES, streamOutput } from '../../shared/kinds/names';

/**
 * What `riskstream incidents` does to the deployed stack. Reads: the sparse incidents index (the
 * entities with open incidents) and their items. Writes: only the operators' item of an entity
 * (`ops#<type>#<id>`) and a control record into the entity's stream. The entity's item is never
 * written here: the scorer is its one writer, and it applies the actions when the control record
 * reaches it, in order with the entity's events.
 */

/** An action is kept for 8 days: past the streams' default 7-day retention, so a replayed control record still finds it. */
export const ACTIONS_KEPT_MS = 8 * 86_400_000;

/** What an operator asks of an incident. */
export type OperatorRequest =
  { readonly action: 'ack' } | { readonly action: 'resolve' } | { readonly action: 'snooze'; readonly forMs: number };

/** An entity with open incidents, as its item holds them. */
export interface EntityIncidents extends EntityIncidentsView {
  readonly type: EntityType;
  readonly id: string;
}

export type ActOutcome =
  | { readonly status: 'stored'; readonly open: OpenIncident; readonly action: OperatorAction }
  /** Already acknowledged: nothing was written. */
  | { readonly status: 'unchanged'; readonly open: OpenIncident; readonly acknowledgedAt: number };

/** No open incident has this id: it was resolved, or the id is wrong. A person must give another. */
export class IncidentNotOpenError extends ConfigurationError {
  override readonly name = 'IncidentNotOpenError';
  constructor(
    readonly incidentId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `no open incident has the id "${incidentId}": it was resolved, or the id is wrong (\`riskstream incidents list\` shows the open ones)`,
      options,
    );
  }
}

/** The state table has no incidents index: the stack was deployed before incidents were indexed. */
export class IncidentsIndexMissingError extends ConfigurationError {
  override readonly name = 'IncidentsIndexMissingError';
  constructor(
    readonly table: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the state table ${table} has no index ${INCIDENTS_INDEX.name}: the stack was deployed without it; deploy it again (\`riskstream down\`, then \`riskstream up\`)`,
      options,
    );
  }
}

/** The action is stored, but its control record did not reach the stream: it waits for the next one (the sweep's, when the incident is due). */
export class ControlRecordNotPutError extends RetryableError {
  override readonly name = 'ControlRecordNotPutError';
  constructor(
    readonly stream: string,
    readonly entityId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the action is stored, but the control record for ${entityId} could not be put into ${stream}: the pipeline applies the action with the entity's next control record (the sweep puts one when the incident is next due); run the command again to apply it now (an action stored twice means the same)`,
      options,
    );
  }
}

/** The action an operator's request makes of an open incident at `now`: snoozes are per entity and cause. */
export function operatorActionFor(open: OpenIncident, request: OperatorRequest, now: number): OperatorAction {
  const { cause, id } = open.incident;
  if (request.action === 'snooze') return { action: 'snooze', cause, at: now, until: now + request.forMs };
  return { action: request.action, cause, incident: id, at: now };
}

/**
 * The UpdateItem that appends an action to the entity's operators' item. Its expiry only moves
 * later: DynamoDB has no max() in an update, so the expiry is set under a condition that it grows,
 * and `withExpiry: false` is the append alone, for when that condition failed (a later expiry
 * stands, written by an operator whose clock is ahead).
 */
export function appendActionUpdate(
  table: string,
  entity: { readonly type: EntityType; readonly id: string },
  action: OperatorAction,
  options: { readonly now: number; readonly withExpiry: boolean },
): UpdateItemCommandInput {
  const expiresAt = Math.ceil((options.now + ACTIONS_KEPT_MS) / 1000);
  const set = ['#actions = list_append(if_not_exists(#actions, :empty), :new)', '#type = :type', '#id = :id'];
  return {
    TableName: table,
    Key: operatorActionsKey(entity.type, entity.id),
    UpdateExpression: `SET ${[...set, ...(options.withExpiry ? ['#expires = :expires'] : [])].join(', ')}`,
    ...(options.withExpiry ? { ConditionExpression: 'attribute_not_exists(#expires) OR #expires <= :expires' } : {}),
    ExpressionAttributeNames: {
      '#actions': 'actions',
      '#type': 'entityType',
      '#id': 'entityId',
      ...(options.withExpiry ? { '#expires': TTL_ATTRIBUTE } : {}),
    },
    ExpressionAttributeValues: marshall(
      { ':empty': [], ':new': [action], ':type': entity.type, ':id': entity.id, ...(options.withExpiry ? { ':expires': expiresAt } : {}) },
      { removeUndefinedValues: true },
    ),
  };
}

export interface IncidentOperatorOptions {
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly stateTable: string;
  /** The stream each entity type's events go into: a control record goes where its entity's events go. */
  readonly streams: Readonly<Record<EntityType, string>>;
  readonly now?: () => number;
}

const BATCH_GET_LIMIT = 100;

export class IncidentOperator {
  private readonly now: () => number;

  constructor(private readonly options: IncidentOperatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Every open incident of the entities of these types. */
  async listOpen(types: readonly EntityType[] = ALL_ENTITY_TYPES): Promise<OpenIncident[]> {
    return (await this.entitiesWithIncidents(types)).flatMap(openIncidentsOf);
  }

  /** The open incident with this id and its entity; IncidentNotOpenError if none is open. */
  async find(incidentId: string): Promise<{ readonly open: OpenIncident; readonly entity: EntityIncidents }> {
    for (const entity of await this.entitiesWithIncidents(ALL_ENTITY_TYPES)) {
      const open = openIncidentsOf(entity).find((o) => o.incident.id === incidentId);
      if (open) return { open, entity };
    }
    throw new IncidentNotOpenError(incidentId);
  }

  /** The operators' actions on an entity's incidents, oldest first. */
  async actionsOn(type: EntityType, id: string): Promise<OperatorAction[]> {
    const { Item } = await this.options.dynamodb.send(
      new GetItemCommand({ TableName: this.options.stateTable, Key: operatorActionsKey(type, id), ConsistentRead: true }),
    );
    return Item === undefined ? [] : [...(unmarshall(Item) as OperatorActionsItem).actions];
  }

  /**
   * Stores the action on the incident's entity, then puts a control record into the entity's
   * stream, so that the scorer applies it within seconds rather than with the entity's next event.
   * An acknowledgement of an acknowledged incident writes nothing.
   */
  async act(incidentId: string, request: OperatorRequest): Promise<ActOutcome> {
    const { open } = await this.find(incidentId);
    const { acknowledgedAt } = open.incident;
    if (request.action === 'ack' && acknowledgedAt !== undefined) return { status: 'unchanged', open, acknowledgedAt };
    const now = this.now();
    const action = operatorActionFor(open, request, now);
    const entity = { type: open.entityType, id: open.entityId };
    await this.appendAction(entity, action, now);
    await this.putControlRecord(entity);
    return { status: 'stored', open, action };
  }

  destroy(): void {
    this.options.dynamodb.destroy();
    this.options.kinesis.destroy();
  }

  private async appendAction(entity: { type: EntityType; id: string }, action: OperatorAction, now: number): Promise<void> {
    const { dynamodb, stateTable } = this.options;
    try {
      await dynamodb.send(new UpdateItemCommand(appendActionUpdate(stateTable, entity, action, { now, withExpiry: true })));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await dynamodb.send(new UpdateItemCommand(appendActionUpdate(stateTable, entity, action, { now, withExpiry: false })));
    }
  }

  private async putControlRecord(entity: { type: EntityType; id: string }): Promise<void> {
    const stream = this.options.streams[entity.type];
    try {
      await this.options.kinesis.send(
        new PutRecordCommand({
          StreamName: stream,
          // The entity's id exactly: the scorer refuses a control record under any other key.
          PartitionKey: entity.id,
          Data: Buffer.from(JSON.stringify(controlRecord(entity.id))),
        }),
      );
    } catch (error) {
      throw new ControlRecordNotPutError(stream, entity.id, { cause: error });
    }
  }

  private async entitiesWithIncidents(types: readonly EntityType[]): Promise<EntityIncidents[]> {
    const keys: Array<Record<string, AttributeValue>> = [];
    for (const type of types) keys.push(...(await this.indexedKeys(type)));
    const entities: EntityIncidents[] = [];
    for (const part of chunk(keys, BATCH_GET_LIMIT)) {
      for (const item of await this.batchGet(part)) {
        const stored = unmarshall(item) as StoredEntity<unknown>;
        const state = entityStateOf(stored);
        // The index is eventually consistent: an item it still names may have no incident left.
        if (state.incidents === undefined || Object.keys(state.incidents).length === 0) continue;
        entities.push({
          type: stored.entityType,
          id: stored.entityId,
          incidents: state.incidents,
          ...(state.snoozed === undefined ? {} : { snoozed: state.snoozed }),
        });
      }
    }
    return entities;
  }

  /** The keys of the entities of one type with open incidents (the index is sparse: only they have `due`). */
  private async indexedKeys(type: EntityType): Promise<Array<Record<string, AttributeValue>>> {
    const { dynamodb, stateTable } = this.options;
    const keys: Array<Record<string, AttributeValue>> = [];
    try {
      const pages = paginateQuery(
        { client: dynamodb },
        {
          TableName: stateTable,
          IndexName: INCIDENTS_INDEX.name,
          KeyConditionExpression: '#type = :type',
          ExpressionAttributeNames: { '#type': INCIDENTS_INDEX.partitionKey },
          ExpressionAttributeValues: { ':type': { S: type } },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) if (item[KEY]) keys.push({ [KEY]: item[KEY] });
      }
    } catch (error) {
      if ((error as Error).name === 'ValidationException' && /index/i.test((error as Error).message)) {
        throw new IncidentsIndexMissingError(stateTable, { cause: error });
      }
      throw error;
    }
    return keys;
  }

  private async batchGet(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<Array<Record<string, AttributeValue>>> {
    const { dynamodb, stateTable } = this.options;
    const items: Array<Record<string, AttributeValue>> = [];
    const left = await retryUntilDone(keys, async (pending) => {
      const response = await dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [stateTable]: { Keys: [...pending], ConsistentRead: true } } }),
      );
      items.push(...(response.Responses?.[stateTable] ?? []));
      return response.UnprocessedKeys?.[stateTable]?.Keys ?? [];
    });
    if (left.length > 0)
      throw new RetryableError(`${left.length} entity items of ${stateTable} were still unprocessed after retries: try again`);
    return items;
  }
}

function openIncidentsOf(entity: EntityIncidents): OpenIncident[] {
  return Object.values(entity.incidents).map((incident) => ({ entityType: entity.type, entityId: entity.id, incident }));
}

/**
 * The operator for a stack deployed from here (`riskstream up`): its state table and streams come
 * from the deploy record's outputs, as `produce` finds them.
 */
export async function openIncidentOperator(stackName: string): Promise<IncidentOperator> {
  const { deployed, outputs } = await reachableDeploy(stackName, ['StateTableName', ...ALL_KIND_NAMES.map(streamOutput)]);
  const config = emulatorClientConfig(deployed.endpoint);
  return new IncidentOperator({
    dynamodb: new DynamoDBClient(config),
    // HTTP/1.1: moto does not speak HTTP/2, which the Kinesis client would choose.
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    stateTable: outputs['StateTableName'] as string, // reachableDeploy checked it is there
    // Control records go into the stream of the entity's events, to reach its scorer in order with them.
    streams: Object.fromEntries(ALL_KIND_NAMES.map((kind) => [kind.entityType, outputs[streamOutput(kind)]])) as Record<EntityType, string>,
  });
}
