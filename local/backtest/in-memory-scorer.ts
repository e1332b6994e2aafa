import type { Alert } from '../../shared/domain/alerts';
import type { EntityModel } from '../../shared/domain/entity-engine';
import { applyEntityBatch } from '../../shared/domain/entity-engine';
import type { EntityState } from '../../shared/domain/entity-state';
import { emptyState, NO_RECENT } from '../../shared/domain/entity-state';
import type { AnyEnvelope, ReadingEnvelope, TransactionEnvelope } from '../../shared/domain/events';
import type { Decision } from '../../shared/domain/fraud-rules';
import type { RulesConfig } from '../../shared/domain/rules-config';
import type { ReadingResult } from '../../shared/domain/sensor-rules';
import type { DeviceLast } from '../../shared/domain/reading-engine';
import type { UserLast } from '../../shared/domain/transaction-engine';
import { readingKind, transactionKind } from '../../shared/pipeline/kinds';
import { stamped } from '../../shared/pipeline/score-batch';

/** One event as the pipeline would judge it; `result` is absent for a duplicate. */
export type ScoredEvent =
  | { readonly status: 'applied' | 'late'; readonly envelope: TransactionEnvelope; readonly result: Decision }
  | { readonly status: 'applied' | 'late'; readonly envelope: ReadingEnvelope; readonly result: ReadingResult }
  | { readonly status: 'duplicate'; readonly envelope: AnyEnvelope };

export interface ScoredChunk {
  /** In the order of the input. */
  readonly events: readonly ScoredEvent[];
  /** The alerts and the incidents' notifications the chunk's events made, stamped with the rules version. */
  readonly alerts: readonly Alert[];
  readonly notifications: readonly Alert[];
}

/**
 * The scorers' judgement with every state in memory, for `score` and backtests: the same models and
 * the same loop over an entity's events (`applyEntityBatch`) as the deployed functions, without the
 * store between them. Each chunk is one batch per entity, as Lambda's batches are; what was judged
 * before (applied or late) stays known, as its stored record would be, so it comes back a duplicate.
 * Nothing is written anywhere: two scorers with two rule versions can judge the same history side
 * by side.
 */
export class InMemoryScorer {
  private readonly transactions: EntityScorer<TransactionEnvelope, UserLast, Decision>;
  private readonly readings: EntityScorer<ReadingEnvelope, DeviceLast, ReadingResult>;

  constructor(
    rules: RulesConfig,
    readonly rulesVersion?: number,
  ) {
    this.transactions = new EntityScorer(transactionKind(rules).model);
    this.readings = new EntityScorer(readingKind(rules).model);
  }

  score(envelopes: readonly AnyEnvelope[]): ScoredChunk {
    const transactions = envelopes.filter((e): e is TransactionEnvelope => e.kind === 'transaction');
    const readings = envelopes.filter((e): e is ReadingEnvelope => e.kind === 'reading');
    const judged = new Map<AnyEnvelope, ScoredEvent>();
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const part of [this.transactions.score(transactions), this.readings.score(readings)]) {
      for (const event of part.events) judged.set(event.envelope, event as ScoredEvent);
      alerts.push(...stamped(part.alerts, this.rulesVersion));
      notifications.push(...stamped(part.notifications, this.rulesVersion));
    }
    return { events: envelopes.map((e) => judged.get(e) as ScoredEvent), alerts, notifications };
  }
}

/** One kind's entities: their states, and every event judged so far (by entity and id). */
class EntityScorer<E extends AnyEnvelope, Last, R> {
  private readonly states = new Map<string, EntityState<Last>>();
  private readonly judged = new Set<string>();

  constructor(private readonly model: EntityModel<E, Last, R>) {}

  score(envelopes: readonly E[]): {
    events: Array<{ status: 'applied' | 'late'; envelope: E; result: R } | { status: 'duplicate'; envelope: E }>;
    alerts: Alert[];
    notifications: Alert[];
  } {
    const groups = new Map<string, E[]>();
    for (const envelope of envelopes) {
      const group = groups.get(envelope.entity);
      if (group) group.push(envelope);
      else groups.set(envelope.entity, [envelope]);
    }
    const outcomes = new Map<E, { status: 'applied' | 'late'; envelope: E; result: R } | { status: 'duplicate'; envelope: E }>();
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const [entity, group] of groups) {
      const state = this.states.get(entity) ?? emptyState<Last>();
      const result = applyEntityBatch(this.model, state, group, this.judgedOf(group));
      // The judged ids answer for duplicates here, so the state keeps no recent commits to search.
      if (result.changed) this.states.set(entity, { ...result.state, recent: NO_RECENT, version: state.version + 1 });
      for (const outcome of result.outcomes) {
        outcomes.set(outcome.envelope, outcome);
        if (outcome.status !== 'duplicate') this.judged.add(refOf(outcome.envelope));
      }
      alerts.push(...result.alerts);
      notifications.push(...result.notifications);
    }
    return { events: envelopes.map((e) => outcomes.get(e) ?? { status: 'duplicate', envelope: e }), alerts, notifications };
  }

  /** The ids of the group's events judged before (most groups have none: no set is made for them). */
  private judgedOf(group: readonly E[]): ReadonlySet<string> {
    let known: Set<string> | undefined;
    for (const envelope of group) if (this.judged.has(refOf(envelope))) (known ??= new Set()).add(envelope.id);
    return known ?? NONE;
  }
}

const NONE: ReadonlySet<string> = new Set();

/** Records are the entity's own: another entity's event under the same id is another event (as in the store). */
function refOf(envelope: AnyEnvelope): string {
  return `${envelope.entity}\n${envelope.id}`;
}
