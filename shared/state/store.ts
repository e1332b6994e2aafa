import type { Alert } from '../domain/alerts';
import type { EntityState } from '../domain/entity-state';
import type { OperatorAction } from '../domain/incidents';
import { RecordError } from '../errors';
import type { EntityTypeName } from '../kinds/names';
import { ENTITY_TYPES } from '../kinds/names';

/**
 * The state port: window aggregates and last-seen facts per entity (with the ids of its recent
 * commits), a stored record of every judged event (a transaction's decision, a reading's status:
 * with the recent ids, the idempotency record) and the alert outbox.
 */
/** A user's or a device's: the entity types are the kinds' (kinds/names.ts). */
export const EntityType = ENTITY_TYPES;
export type EntityType = EntityTypeName;

/**
 * How entity states are written back.
 * - `conditional`: one conditional put per entity, checked against the version that was read; safe
 *   with any number of writers. A lost race comes back as a `conflict` with the current state.
 * - `single-writer`: batched, unconditional puts (25 per request). Only correct when one writer owns
 *   each entity, i.e. every producer uses the entity id as the Kinesis partition key.
 */
export const CommitMode = { conditional: 'conditional', singleWriter: 'single-writer' } as const;
export type CommitMode = (typeof CommitMode)[keyof typeof CommitMode];

export interface EntityCommit<Last> {
  readonly type: EntityType;
  readonly id: string;
  /** The version the new state was computed from (0: the entity had no stored state). */
  readonly basedOn: number;
  readonly state: EntityState<Last>;
  /** Epoch seconds after which the item may be deleted (DynamoDB TTL). */
  readonly expiresAt: number;
}

export type CommitOutcome<Last> =
  | { readonly status: 'committed'; readonly version: number }
  | { readonly status: 'conflict'; readonly current: EntityState<Last> }
  | { readonly status: 'failed'; readonly error: Error };

/**
 * What is stored for each judged event, keyed by its id: a transaction's decision, a reading's
 * status. It is written before its entity's commit and says which version of the entity it was
 * judged at (`basedOn`): score-batch's `knownDuplicates` tells from it whether that commit happened.
 */
/** An event by its entity and its id: ids are unique per entity only (two users may use one transaction id). */
export interface EventRef {
  readonly entityId: string;
  readonly eventId: string;
}

/** One string per event, unambiguous: ids never hold a control character (the validator refuses them). */
export function eventRefKey({ entityId, eventId }: EventRef): string {
  return `${entityId}\u0000${eventId}`;
}

export interface EventRecord extends EventRef {
  readonly type: EntityType;
  /** The item's content, as its kind stores it (a transaction's decision, a reading's status). */
  readonly outcome: StoredOutcome;
  readonly basedOn: number;
  /** When it was stored (wall clock, epoch ms). */
  readonly decidedAt: number;
  /** The rules version that judged it. */
  readonly rulesVersion?: number;
  /** The candidate rules' judgement of it, made in shadow (score-batch.ts): stored, never acted on. */
  readonly shadow?: { readonly rulesVersion?: number; readonly outcome: object };
  /**
   * Epoch seconds after which it may be deleted, for records kept only as long as their entity's
   * item (readings' statuses); without it, the store's retention for decisions applies.
   */
  readonly expiresAt?: number;
}

/**
 * What a kind stores of a judged event (see ScoringKind's `recordOf` and `shadowOf`): the attributes
 * of its record beside the keys and the commit's, whatever its kind keeps (a decision, a status);
 * every record says when its event happened (ISO).
 */
export interface StoredOutcome {
  readonly eventTime: string;
}

/** What a stored event record says of its commit. */
export interface StoredEvent {
  /** The entity's version it was judged at, or `NO_COMMIT` for a late event's record, which is complete as stored. */
  readonly basedOn: number;
  /** When it was stored (wall clock, epoch ms). */
  readonly decidedAt: number;
  /** The rules version that judged it. */
  readonly rulesVersion?: number;
  /** Its event's time (epoch ms). */
  readonly eventTime: number;
  /** Whose it is. */
  readonly entityId: string;
}

/** The basis of a record no entity commit has to follow (a late event's), or of an item that does not say. */
export const NO_COMMIT = -1;

export interface Effects {
  readonly records: readonly EventRecord[];
  /**
   * Written only if no alert with that id is stored (first write wins): an alert already in the
   * outbox may have been published and marked so, and a batch written again (a retry, a replay, a
   * late event judged against newer state) must neither resend it nor erase its mark.
   */
  readonly alerts: readonly Alert[];
  /**
   * False when no alert of these can be stored yet (every event judged here for the first time:
   * none had a stored record of an unfinished commit), so the store need not look first.
   */
  readonly alertsMayBeStored: boolean;
}

export interface StateStore {
  /** Current states (consistent read); entities never stored are absent from the map. */
  loadStates<Last>(type: EntityType, ids: readonly string[]): Promise<Map<string, EntityState<Last>>>;
  /**
   * What a batch needs before it is applied, in one round of reads: the entities' states, as
   * `loadStates`, and the stored records of these events, by `eventRefKey` (an item that does not
   * say what it was based on reads as `NO_COMMIT`: committed).
   */
  loadBatch<Last>(
    type: EntityType,
    entityIds: readonly string[],
    events: readonly EventRef[],
  ): Promise<{ states: Map<string, EntityState<Last>>; records: Map<string, StoredEvent> }>;
  /**
   * Stores event records and alerts (idempotent: keyed by entity and event id, and by alert id, and an alert's
   * content is a function of the event and the state it was judged against). Written before the
   * states, which are the commit record.
   */
  writeEffects(effects: Effects): Promise<void>;
  /**
   * For control records (see control-batch.ts): the entities' states, as `loadStates`, and the
   * operators' actions on their incidents (oldest first; entities without any are absent).
   */
  loadControl<Last>(
    type: EntityType,
    ids: readonly string[],
  ): Promise<{ states: Map<string, EntityState<Last>>; actions: Map<string, readonly OperatorAction[]> }>;
  /** Writes states back; every commit gets an outcome, keyed by entity id. */
  commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>, mode: CommitMode): Promise<Map<string, CommitOutcome<Last>>>;
}

/**
 * Event records or alerts DynamoDB refused (a number out of its range, an item too large): caused by
 * the events they came from, which are quarantined; the rest of the batch goes on without them.
 */
export class RefusedItemsError extends RecordError {
  override readonly name = 'RefusedItemsError';
  constructor(readonly refused: ReadonlyArray<{ readonly eventIds: readonly string[]; readonly error: RecordError }>) {
    super(`DynamoDB refused ${refused.length} record/alert items: ${refused[0]?.error.message ?? ''}`);
  }
}
