import type { Alert } from '../../shared/domain/alerts';
import type { EntityModel } from '../../shared/domain/entity-engine';
import { applyToWorkingState } from '../../shared/domain/entity-engine';
import type { WorkingState } from '../../shared/domain/entity-state';
import { emptyState, workingCopy } from '../../shared/domain/entity-state';
import type { AnyEnvelope } from '../../shared/domain/events';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { KINDS } from '../../shared/kinds/registry';
import { stamped } from '../../shared/pipeline/score-batch';

/** One event as the pipeline would judge it (its kind's result: see kinds/); `result` is absent for a duplicate. */
export type ScoredEvent =
  | { readonly status: 'applied' | 'late'; readonly envelope: AnyEnvelope; readonly result: unknown }
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
 * the same loop over an entity's events (`applyToWorkingState`, the core of `applyEntityBatch`) as the deployed functions, without the
 * store between them. Each chunk is one batch per entity, as Lambda's batches are; what was judged
 * before (applied or late) stays known, as its stored record would be, so it comes back a duplicate.
 * Nothing is written anywhere: two scorers with two rule versions can judge the same history side
 * by side.
 */
export class InMemoryScorer {
  /** One per kind (kinds/registry.ts), each with its own entities. */
  private readonly scorers: ReadonlyArray<EntityScorer<AnyEnvelope, unknown, unknown>>;

  constructor(
    rules: RulesConfig,
    readonly rulesVersion?: number,
  ) {
    this.scorers = KINDS.map((kind) => new EntityScorer(kind.name, kind.scoring(rules).model));
  }

  score(envelopes: readonly AnyEnvelope[]): ScoredChunk {
    const events = new Array<ScoredEvent>(envelopes.length);
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const scorer of this.scorers) {
      const made = scorer.score(envelopes, events as Array<ScoredEvent | undefined>);
      alerts.push(...stamped(made.alerts, this.rulesVersion));
      notifications.push(...stamped(made.notifications, this.rulesVersion));
    }
    return { events, alerts, notifications };
  }
}

/** What the scorer knows of one entity: its state (kept in working form), and every event of it judged so far, by id, with the chunk that judged it first. */
interface Entity<Last> {
  readonly state: WorkingState<Last>;
  readonly judged: Map<string, number>;
}

/** One kind's entities, by entity key (another entity's event under the same id is another event, as in the store). */
class EntityScorer<E extends AnyEnvelope, Last, R> {
  private readonly entities = new Map<string, Entity<Last>>();
  private chunks = 0;

  private readonly model: EntityModel<E, Last, R>;

  constructor(
    private readonly kind: E['kind'],
    model: EntityModel<E, Last, R>,
  ) {
    // The short id keeps an entity item small in DynamoDB (a hash of the id, for transactions); here
    // it only tells the events of one batch apart, which the id itself does without hashing.
    this.model = { ...model, shortId: (envelope) => envelope.id };
  }

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
    const chunk = ++this.chunks;
    for (const [key, places] of groups) {
      let entity = this.entities.get(key);
      if (!entity) {
        entity = { state: workingCopy(emptyState<Last>(), this.model.timing.pane), judged: new Map() };
        this.entities.set(key, entity);
      }
      const group = places.map((i) => envelopes[i] as E);
      const known = judgedBefore(entity.judged, group, chunk);
      // The judged ids answer for duplicates here: the state keeps no recent commits (nor versions) to search.
      const result = applyToWorkingState(this.model, entity.state, group, (_shortId, envelope) => known.has(envelope.id)).judged;
      result.outcomes.forEach((outcome, n) => (into[places[n] as number] = outcome as ScoredEvent));
      alerts.push(...result.alerts);
      notifications.push(...result.notifications);
    }
    return { alerts, notifications };
  }
}

/**
 * The ids of the group's events judged in an earlier chunk (most groups have none: no set is made
 * for them); from now on every id of the group is judged, first by this chunk: each event comes back
 * applied or late, or a duplicate of one that did. An id met earlier in this chunk is the engine's
 * to call a duplicate (its own `seen`), not a known one.
 */
function judgedBefore(judged: Map<string, number>, group: readonly AnyEnvelope[], chunk: number): ReadonlySet<string> {
  let known: Set<string> | undefined;
  for (const { id } of group) {
    const first = judged.get(id);
    if (first === undefined) judged.set(id, chunk);
    else if (first !== chunk) (known ??= new Set()).add(id);
  }
  return known ?? NONE;
}

const NONE: ReadonlySet<string> = new Set();
