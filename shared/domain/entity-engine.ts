import type { Alert } from './alerts';
import type { EntityState, Pane, WindowTiming } from './entity-state';
import { applyToPane, classify, EventStatus, paneAt, pruneClosedPanes, workingCopy } from './entity-state';
import type { AnyEnvelope } from './events';

export type EventOutcome<E extends AnyEnvelope, R> =
  | { readonly status: 'applied'; readonly envelope: E; readonly result: R }
  | { readonly status: 'late'; readonly envelope: E; readonly result: R }
  | { readonly status: 'duplicate'; readonly envelope: E };

export interface EntityBatchResult<E extends AnyEnvelope, Last, R> {
  readonly state: EntityState<Last>;
  /** False when every event was a duplicate or late: nothing needs writing back. */
  readonly changed: boolean;
  readonly outcomes: ReadonlyArray<EventOutcome<E, R>>;
  readonly alerts: readonly Alert[];
}

/** How one event kind plugs into the shared loop: what it counts, how it is judged, what it remembers. */
export interface EntityModel<E extends AnyEnvelope, Last, R> {
  readonly timing: WindowTiming;
  /** The id recorded in the pane: short, and unique within one entity. */
  paneId(envelope: E): string;
  value(envelope: E): number;
  small?(envelope: E): boolean;
  /** Judges the event against the state before it; `pane` is undefined for a late event. */
  evaluate(envelope: E, state: EntityState<Last>, pane: Pane | undefined): { readonly result: R; readonly alerts: readonly Alert[] };
  /** The entity's last-seen facts after this event (called for applied events only). */
  remember(last: Last | undefined, envelope: E): Last;
}

/**
 * Applies one entity's events, in order, to its state. Pure: the caller loads the state and
 * stores the result; the events change a working copy of it, never the state given. The ids
 * recorded in the panes make a second application of the same events change nothing: each comes
 * back `duplicate`, or `late` once its window has closed and its id was dropped (a late event is
 * judged but never counted; see the store for its alerts).
 */
export function applyEntityBatch<E extends AnyEnvelope, Last, R>(
  model: EntityModel<E, Last, R>,
  initial: EntityState<Last>,
  envelopes: readonly E[],
): EntityBatchResult<E, Last, R> {
  const state = workingCopy(initial);
  let changed = false;
  const outcomes: Array<EventOutcome<E, R>> = [];
  const alerts: Alert[] = [];
  // A pane drops its ids when its window closes, which a later event of this very batch may do:
  // a second copy of an event seen earlier in the batch is a duplicate, whatever its window's state.
  const seen = new Set<string>();
  for (const envelope of envelopes) {
    const paneId = model.paneId(envelope);
    const classified = classify(state, paneId, envelope.time, model.timing);
    const status = seen.has(paneId) ? EventStatus.duplicate : classified;
    if (status === EventStatus.duplicate) {
      outcomes.push({ status, envelope });
      continue;
    }
    const late = status === EventStatus.late;
    const judged = model.evaluate(envelope, state, late ? undefined : (paneAt(state, envelope.time, model.timing) ?? EMPTY_PANE));
    alerts.push(...judged.alerts);
    seen.add(paneId);
    if (late) {
      outcomes.push({ status: EventStatus.late, envelope, result: judged.result });
      continue;
    }
    const small = model.small?.(envelope) ?? false;
    applyToPane(state, { paneId, time: envelope.time, value: model.value(envelope), small }, model.timing);
    state.last = model.remember(state.last, envelope);
    changed = true;
    outcomes.push({ status: EventStatus.applied, envelope, result: judged.result });
  }
  if (!changed) return { state: initial, changed, outcomes, alerts };
  pruneClosedPanes(state, model.timing);
  return { state, changed, outcomes, alerts };
}

const EMPTY_PANE: Pane = { count: 0, sum: 0, min: 0, max: 0, small: 0, ids: [] };
