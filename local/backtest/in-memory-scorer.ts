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

export interface ScoredChunk<Scored = ScoredEvent> {
  /** In the order of the input. */
  readonly events: readonly Scored[];
  /** The alerts and the incidents' notifications the chunk's events made, stamped with the rules version. */
  readonly alerts: readonly Alert[];
  readonly notifications: readonly Alert[];
}

/**
 * The scorers' judgement with every state in memory, for `score` and backtests: the same models and
 * the same loop over an entity's events (`applyToWorkingState`, the core of `applyEntityBatch`) as
 * the deployed functions, without the store between them. Each chunk is one batch per entity, as
 * Lambda's batches are (see EntityBatches); what was judged before (applied or late) stays known, as
 * its stored record would be, so it comes back a duplicate. Nothing is written anywhere: two scorers
 * with two rule versions can judge the same history side by side, from one cut of each chunk.
 */
export class InMemoryScorer {
  /** One per kind (kinds/registry.ts), each with its own entities. */
  private readonly scorers: ReadonlyMap<AnyEnvelope['kind'], EntityScorer<AnyEnvelope, unknown, unknown>>;
  /** For `score`: a scorer fed whole chunks cuts them itself. */
  private ownBatches: EntityBatches | undefined;

  constructor(
    rules: RulesConfig,
    readonly rulesVersion?: number,
  ) {
    this.scorers = new Map(KINDS.map((kind) => [kind.name, new EntityScorer(kind.scoring(rules[kind.stream]).model)]));
  }

  score(envelopes: readonly AnyEnvelope[]): ScoredChunk {
    return this.scoreBatches(envelopes, (this.ownBatches ??= new EntityBatches()).cut(envelopes)) as ScoredChunk;
  }

  /**
   * Judges a chunk already cut into batches (every scorer given the same cuts must be given all of
   * them, in order); only the batches of `kinds` when given: the other events' places stay empty.
   */
  scoreBatches(
    envelopes: readonly AnyEnvelope[],
    batches: readonly EntityBatch[],
    kinds?: ReadonlySet<AnyEnvelope['kind']>,
  ): ScoredChunk<ScoredEvent | undefined> {
    const events = new Array<ScoredEvent | undefined>(envelopes.length);
    const alerts: Alert[] = [];
    const notifications: Alert[] = [];
    for (const batch of batches) {
      if (kinds !== undefined && !kinds.has(batch.kind)) continue;
      const made = (this.scorers.get(batch.kind) as EntityScorer<AnyEnvelope, unknown, unknown>).score(envelopes, batch, events);
      for (const alert of made.alerts) alerts.push(alert);
      for (const notification of made.notifications) notifications.push(notification);
    }
    return { events, alerts: stamped(alerts, this.rulesVersion), notifications: stamped(notifications, this.rulesVersion) };
  }
}

/** One entity's events of a chunk: their places in it, and the ids among them an earlier chunk judged. */
export interface EntityBatch {
  readonly kind: AnyEnvelope['kind'];
  readonly entity: string;
  readonly places: readonly number[];
  readonly judgedBefore: ReadonlySet<string>;
}

/**
 * Cuts chunks into one batch per entity, and remembers every event id judged, by kind and entity (an
 * event of another entity under the same id is another event, as in the store), with the chunk that
 * met it first. What an earlier chunk met comes back a duplicate; an id met twice in one chunk is the
 * engine's to call a duplicate (its own `seen`). The ids depend on the events only, not on the rules,
 * so one cut serves every scorer of the same history.
 */
export class EntityBatches {
  private readonly judged = new Map<AnyEnvelope['kind'], Map<string, Map<string, number>>>();
  private chunks = 0;

  cut(envelopes: readonly AnyEnvelope[]): EntityBatch[] {
    const chunk = ++this.chunks;
    // By kind in the registry's order, then by entity in order of appearance: the order the alerts come in.
    const groups = new Map<AnyEnvelope['kind'], Map<string, number[]>>(KINDS.map((kind) => [kind.name, new Map()]));
    for (let i = 0; i < envelopes.length; i++) {
      const { kind, entity } = envelopes[i] as AnyEnvelope;
      const ofKind = groups.get(kind) as Map<string, number[]>;
      const places = ofKind.get(entity);
      if (places) places.push(i);
      else ofKind.set(entity, [i]);
    }
    const batches: EntityBatch[] = [];
    for (const [kind, ofKind] of groups) {
      let judgedOfKind = this.judged.get(kind);
      if (!judgedOfKind) this.judged.set(kind, (judgedOfKind = new Map()));
      for (const [entity, places] of ofKind) {
        let judged = judgedOfKind.get(entity);
        if (!judged) judgedOfKind.set(entity, (judged = new Map()));
        batches.push({ kind, entity, places, judgedBefore: judgedBefore(judged, envelopes, places, chunk) });
      }
    }
    return batches;
  }
}

/**
 * The ids of the batch's events judged in an earlier chunk (most batches have none: no set is made
 * for them); from now on every id of the batch is judged, first by this chunk.
 */
function judgedBefore(
  judged: Map<string, number>,
  envelopes: readonly AnyEnvelope[],
  places: readonly number[],
  chunk: number,
): ReadonlySet<string> {
  let known: Set<string> | undefined;
  for (const place of places) {
    const { id } = envelopes[place] as AnyEnvelope;
    const first = judged.get(id);
    if (first === undefined) judged.set(id, chunk);
    else if (first !== chunk) (known ??= new Set()).add(id);
  }
  return known ?? NONE;
}

const NONE: ReadonlySet<string> = new Set();

/** One kind's entities, each in working form between batches, by entity key. */
class EntityScorer<E extends AnyEnvelope, Last, R> {
  private readonly entities = new Map<string, WorkingState<Last>>();
  private readonly model: EntityModel<E, Last, R>;

  constructor(model: EntityModel<E, Last, R>) {
    // The short id keeps an entity item small in DynamoDB (a hash of the id, for transactions); here
    // it only tells the events of one batch apart, which the id itself does without hashing.
    this.model = { ...model, shortId: (envelope) => envelope.id };
  }

  /** Judges one entity's batch into the places of its events in `into`. */
  score(
    envelopes: readonly AnyEnvelope[],
    batch: EntityBatch,
    into: Array<ScoredEvent | undefined>,
  ): { alerts: readonly Alert[]; notifications: readonly Alert[] } {
    let state = this.entities.get(batch.entity);
    if (!state) this.entities.set(batch.entity, (state = workingCopy(emptyState<Last>(), this.model.timing.pane)));
    const events = batch.places.map((place) => envelopes[place] as E);
    const { judgedBefore: known } = batch;
    // The judged ids answer for duplicates here: the state keeps no recent commits (nor versions) to search.
    const { outcomes, alerts, notifications } = applyToWorkingState(this.model, state, events, (_shortId, envelope) =>
      known.has(envelope.id),
    ).judged;
    for (let n = 0; n < outcomes.length; n++) into[batch.places[n] as number] = outcomes[n] as ScoredEvent;
    return { alerts, notifications };
  }
}
