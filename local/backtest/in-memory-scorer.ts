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
import { READINGS } from '../../shared/kinds/reading';
import { TRANSACTIONS } from '../../shared/kinds/transaction';
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
    this.transactions = new EntityScorer('transaction', TRANSACTIONS.scoring(rules).model);
    this.readings = new EntityScorer('reading', READINGS.scoring(rules).model);
  }

  score(envelopes: readonly AnyEnvelope[]): ScoredChunk {
    const events = new Array<ScoredEvent>(envelopes.length);
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const scorer of [this.transactions, this.readings]) {
      const made = scorer.score(envelopes, events as Array<ScoredEvent | undefined>);
      alerts.push(...stamped(made.alerts, this.rulesVersion));
      notifications.push(...stamped(made.notifications, this.rulesVersion));
    }
    return { events, alerts, notifications };
  }
}

/** What the scorer knows of one entity: its state, and the ids of every event of it judged so far. */
interface Entity<Last> {
  state: EntityState<Last>;
  readonly judged: Set<string>;
}

/** One kind's entities, by entity key (another entity's event under the same id is another event, as in the store). */
class EntityScorer<E extends AnyEnvelope, Last, R> {
  private readonly entities = new Map<string, Entity<Last>>();

  constructor(
    private readonly kind: E['kind'],
    private readonly model: EntityModel<E, Last, R>,
  ) {}

  /** Judges the chunk's events of this kind, each entity's as one batch, into their places in `into`. */
  score(envelopes: readonly AnyEnvelope[], into: Array<ScoredEvent | undefined>): { alerts: Alert[]; notifications: Alert[] } {
    const groups = new Map<string, number[]>(); // entity → the places of its events
    for (let i = 0; i < envelopes.length; i++) {
      const envelope = envelopes[i] as AnyEnvelope;
      if (envelope.kind !== this.kind) continue;
      const group = groups.get(envelope.entity);
      if (group) group.push(i);
      else groups.set(envelope.entity, [i]);
    }
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const [key, places] of groups) {
      let entity = this.entities.get(key);
      if (!entity) this.entities.set(key, (entity = { state: emptyState<Last>(), judged: new Set() }));
      const group = places.map((i) => envelopes[i] as E);
      const result = applyEntityBatch(this.model, entity.state, group, judgedBefore(entity.judged, group));
      // The judged ids answer for duplicates here, so the state keeps no recent commits to search.
      if (result.changed) entity.state = { ...result.state, recent: NO_RECENT, version: entity.state.version + 1 };
      result.outcomes.forEach((outcome, n) => {
        into[places[n] as number] = outcome as ScoredEvent;
        if (outcome.status !== 'duplicate') entity.judged.add(outcome.envelope.id);
      });
      alerts.push(...result.alerts);
      notifications.push(...result.notifications);
    }
    return { alerts, notifications };
  }
}

/** The ids of the group's events judged before (most groups have none: no set is made for them). */
function judgedBefore(judged: ReadonlySet<string>, group: readonly AnyEnvelope[]): ReadonlySet<string> {
  if (judged.size === 0) return NONE;
  let known: Set<string> | undefined;
  for (const envelope of group) if (judged.has(envelope.id)) (known ??= new Set()).add(envelope.id);
  return known ?? NONE;
}

const NONE: ReadonlySet<string> = new Set();
