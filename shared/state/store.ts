import type { Alert } from '../domain/alerts';
import type { EntityState } from '../domain/entity-state';
import type { Decision } from '../domain/fraud-rules';
import { RecordError } from '../errors';

/**
 * The state port: window aggregates and last-seen facts per entity (with the ids each window has
 * applied, which is the event idempotency record), stored decisions and the alert outbox.
 */
export const EntityType = { user: 'user', device: 'device' } as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];

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
 * A decision and the version of its entity's state it was computed from. The entity item is the
 * commit record and is written after the decision: a stored decision whose entity still has that
 * version belongs to a commit that never happened.
 */
export interface DecisionRecord extends Omit<StoredDecision, 'eventTime' | 'userId'> {
  readonly decision: Decision;
}

/** What a stored decision says of its commit. */
export interface StoredDecision {
  /** The entity's version it was computed from, or `NO_COMMIT` for a late event's decision, which is complete as stored. */
  readonly basedOn: number;
  /** When it was stored (wall clock, epoch ms). */
  readonly decidedAt: number;
  /** Its event's time (epoch ms): the window whose pane would hold the event's id once committed. */
  readonly eventTime: number;
  /** Whose it is: ids are unique per user, and another user's transaction with the same id is not this one. */
  readonly userId: string;
}

/** The basis of a decision no entity commit has to follow (a late event's), or of an item that does not say. */
export const NO_COMMIT = -1;

export interface Effects {
  readonly decisions: readonly DecisionRecord[];
  /**
   * Written only if no alert with that id is stored (first write wins): an alert already in the
   * outbox may have been published and marked so, and a batch written again (a retry, a replay, a
   * late event judged against newer state) must neither resend it nor erase its mark.
   */
  readonly alerts: readonly Alert[];
  /**
   * False when no alert of these can be stored yet (every transaction judged here for the first
   * time: none had a stored decision of an unfinished commit), so the store need not look first.
   */
  readonly alertsMayBeStored: boolean;
}

export interface StateStore {
  /** Current states (consistent read); entities never stored are absent from the map. */
  loadStates<Last>(type: EntityType, ids: readonly string[]): Promise<Map<string, EntityState<Last>>>;
  /**
   * What a batch needs before it is applied, in one round of reads: the entities' states, as
   * `loadStates`, and the stored decisions among these transactions by transaction id (an item that
   * does not say what it was based on reads as `NO_COMMIT`: committed).
   */
  loadBatch<Last>(
    type: EntityType,
    entityIds: readonly string[],
    transactionIds: readonly string[],
  ): Promise<{ states: Map<string, EntityState<Last>>; decisions: Map<string, StoredDecision> }>;
  /**
   * Stores decisions and alerts (idempotent: keyed by transaction id and alert id, and an alert's
   * content is a function of the event and the state it was judged against). Written before the
   * states, which are the commit record.
   */
  writeEffects(effects: Effects): Promise<void>;
  /** Writes states back; every commit gets an outcome, keyed by entity id. */
  commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>, mode: CommitMode): Promise<Map<string, CommitOutcome<Last>>>;
}

/**
 * Decisions or alerts DynamoDB refused (a number out of its range, an item too large): caused by
 * the events they came from, which are quarantined; the rest of the batch goes on without them.
 */
export class RefusedItemsError extends RecordError {
  override readonly name = 'RefusedItemsError';
  constructor(readonly refused: ReadonlyArray<{ readonly eventIds: readonly string[]; readonly error: RecordError }>) {
    super(`DynamoDB refused ${refused.length} decision/alert items: ${refused[0]?.error.message ?? ''}`);
  }
}
