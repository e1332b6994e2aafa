import type { Alert } from '../domain/alerts';
import type { EntityState } from '../domain/entity-state';
import type { Decision } from '../domain/fraud-rules';
import type { CommitOutcome, Effects, EntityCommit, EntityType, StateStore, StoredDecision } from '../state/store';
import { NO_COMMIT } from '../state/store';

/**
 * The state port held in process memory: what `riskstream score` uses to keep windows between
 * lines. Same semantics as the DynamoDB store (a commit checks the version it was based on).
 */
export class MemoryStateStore implements StateStore {
  readonly decisions = new Map<string, Decision>();
  readonly alerts = new Map<string, Alert>();
  private readonly states = new Map<string, EntityState<unknown>>();

  async loadStates<Last>(type: EntityType, ids: readonly string[]): Promise<Map<string, EntityState<Last>>> {
    const found = new Map<string, EntityState<Last>>();
    for (const id of ids) {
      const state = this.states.get(`${type}#${id}`);
      if (state) found.set(id, state as EntityState<Last>);
    }
    return found;
  }

  private readonly decisionBasis = new Map<string, Omit<StoredDecision, 'eventTime' | 'userId'>>();

  /** A copy that holds the decisions and alerts but no entity items, as after TTL deleted them. */
  static withoutEntities(store: MemoryStateStore): MemoryStateStore {
    const copy = new MemoryStateStore();
    for (const [id, decision] of store.decisions) copy.decisions.set(id, decision);
    for (const [id, basedOn] of store.decisionBasis) copy.decisionBasis.set(id, basedOn);
    for (const [id, alert] of store.alerts) copy.alerts.set(id, alert);
    return copy;
  }

  async loadBatch<Last>(
    type: EntityType,
    entityIds: readonly string[],
    transactionIds: readonly string[],
  ): Promise<{ states: Map<string, EntityState<Last>>; decisions: Map<string, StoredDecision> }> {
    const decisions = new Map<string, StoredDecision>();
    for (const id of transactionIds) {
      const decision = this.decisions.get(id);
      if (!decision) continue;
      const basis = this.decisionBasis.get(id) ?? { basedOn: NO_COMMIT, decidedAt: 0 };
      decisions.set(id, { ...basis, eventTime: Date.parse(decision.eventTime), userId: decision.userId });
    }
    return { states: await this.loadStates<Last>(type, entityIds), decisions };
  }

  async writeEffects({ decisions, alerts }: Effects): Promise<void> {
    for (const { decision, basedOn, decidedAt } of decisions) {
      this.decisions.set(decision.transactionId, decision);
      this.decisionBasis.set(decision.transactionId, { basedOn, decidedAt });
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
