import type { Alert } from '../domain/alerts';
import type { EntityState } from '../domain/entity-state';
import type { OperatorAction } from '../domain/incidents';
import type { Decision } from '../domain/fraud-rules';
import type { CommitOutcome, Effects, EntityCommit, EntityType, EventRecord, EventRef, StateStore, StoredEvent } from '../state/store';
import { EntityType as EntityTypes, eventRefKey } from '../state/store';

/**
 * The state port held in process memory: what `riskstream score` uses to keep windows between
 * lines. Same semantics as the DynamoDB store (a commit checks the version it was based on).
 */
export class MemoryStateStore implements StateStore {
  /** Transactions' decisions, by transaction id (the last one of an id, whoever's it is: what `riskstream score` shows). */
  readonly decisions = new Map<string, Decision>();
  readonly alerts = new Map<string, Alert>();
  /** Every event record (decisions and readings' statuses), by type and `eventRefKey`. */
  private readonly records = new Map<string, EventRecord>();
  private readonly states = new Map<string, EntityState<unknown>>();

  /** The stored record of an event, as written. */
  recordOf(type: EntityType, ref: EventRef): EventRecord | undefined {
    return this.records.get(`${type}#${eventRefKey(ref)}`);
  }

  async loadStates<Last>(type: EntityType, ids: readonly string[]): Promise<Map<string, EntityState<Last>>> {
    const found = new Map<string, EntityState<Last>>();
    for (const id of ids) {
      const state = this.states.get(`${type}#${id}`);
      if (state) found.set(id, state as EntityState<Last>);
    }
    return found;
  }

  /** A copy that holds the event records and alerts but no entity items, as after TTL deleted them. */
  static withoutEntities(store: MemoryStateStore): MemoryStateStore {
    const copy = new MemoryStateStore();
    for (const [id, decision] of store.decisions) copy.decisions.set(id, decision);
    for (const [key, record] of store.records) copy.records.set(key, record);
    for (const [id, alert] of store.alerts) copy.alerts.set(id, alert);
    return copy;
  }

  async loadBatch<Last>(
    type: EntityType,
    entityIds: readonly string[],
    events: readonly EventRef[],
  ): Promise<{ states: Map<string, EntityState<Last>>; records: Map<string, StoredEvent> }> {
    const records = new Map<string, StoredEvent>();
    for (const ref of events) {
      const record = this.records.get(`${type}#${eventRefKey(ref)}`);
      if (record) records.set(eventRefKey(ref), storedEventOf(record));
    }
    return { states: await this.loadStates<Last>(type, entityIds), records };
  }

  /** Operators' actions by `type#id`, as the CLI would store them (see OperatorActionsItem). */
  readonly operatorActions = new Map<string, OperatorAction[]>();

  async loadControl<Last>(
    type: EntityType,
    ids: readonly string[],
  ): Promise<{ states: Map<string, EntityState<Last>>; actions: Map<string, readonly OperatorAction[]> }> {
    const actions = new Map<string, readonly OperatorAction[]>();
    for (const id of ids) {
      const found = this.operatorActions.get(`${type}#${id}`);
      if (found) actions.set(id, found);
    }
    return { states: await this.loadStates<Last>(type, ids), actions };
  }

  async writeEffects({ records, alerts }: Effects): Promise<void> {
    for (const record of records) {
      this.records.set(`${record.type}#${eventRefKey(record)}`, record);
      if (record.type === EntityTypes.user) this.decisions.set(record.eventId, record.outcome as Decision);
    }
    for (const a of alerts) if (!this.alerts.has(a.alertId)) this.alerts.set(a.alertId, a);
  }

  async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    const outcomes = new Map<string, CommitOutcome<Last>>();
    for (const commit of commits) {
      const key = `${commit.type}#${commit.id}`;
      const current = this.states.get(key) as EntityState<Last> | undefined;
      if ((current?.version ?? 0) !== commit.basedOn && current) {
        outcomes.set(commit.id, { status: 'conflict', current });
        continue;
      }
      this.states.set(key, { ...commit.state, version: commit.basedOn + 1 });
      outcomes.set(commit.id, { status: 'committed', version: commit.basedOn + 1 });
    }
    return outcomes;
  }
}

function storedEventOf({ outcome, basedOn, decidedAt, rulesVersion, entityId }: EventRecord): StoredEvent {
  return {
    basedOn,
    decidedAt,
    eventTime: Date.parse(outcome.eventTime),
    entityId,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
  };
}
