import type { Alert } from './alerts';
import type { EntityModel } from './entity-engine';
import type { IncidentBook } from './entity-incidents';
import { notificationsOf, writeIncidents } from './entity-incidents';
import type { EntityState } from './entity-state';
import { withCommit } from './entity-state';
import type { AnyEnvelope } from './events';
import type { OperatorAction, Transition } from './incidents';
import { operate, runningSnoozes, tickAtArrival } from './incidents';

/** Time passing for one entity with no event, and operators' actions on its incidents (see `applyEntityControl`). */
export interface EntityControl {
  /** When the stream took the control record (epoch ms): the clock time passes by. */
  readonly arrival: number;
  readonly actions: readonly OperatorAction[];
}

/**
 * A control record for one entity: the operators' actions on its incidents, then time passing to
 * the record's arrival (quiet incidents resolve, due reminders go out). Pure, like
 * `applyEntityBatch`; the new state is a commit of its own, applying no event. Applied again (a
 * retry, a replay, a later sweep) it changes nothing more: actions name their incident, and time
 * that has passed once passes no further.
 */
export function applyEntityControl<E extends AnyEnvelope, Last, R>(
  model: EntityModel<E, Last, R>,
  initial: EntityState<Last>,
  entityId: string,
  control: EntityControl,
): { readonly state: EntityState<Last>; readonly changed: boolean; readonly notifications: readonly Alert[] } {
  const unchanged = { state: initial, changed: false, notifications: [] };
  const hooks = model.incidents;
  if (hooks === undefined) {
    // Incidents turned off for the kind: what an item kept of them goes, and with it the item's place in the sweep's index.
    return hasIncidentState(initial) ? { state: nextCommitWithoutIncidents(initial), changed: true, notifications: [] } : unchanged;
  }
  if (initial.incidents === undefined && control.actions.length === 0) return unchanged;
  let incidents = initial.incidents ?? {};
  let snoozes = initial.snoozed ?? {};
  const transitions: Transition[] = [];
  for (const action of control.actions) {
    const step = operate(incidents, snoozes, action, control.arrival);
    ({ incidents, snoozes } = step);
    transitions.push(...step.transitions);
  }
  const passed = tickAtArrival(incidents, control.arrival, hooks.settings);
  transitions.push(...passed.transitions);
  const book: IncidentBook = {};
  writeIncidents(book, hooks.settings, passed.incidents, runningSnoozes(snoozes, control.arrival));
  // The due time counts too: changed rules (a longer quiet period) move it, and an item left with the
  // old one would bring the sweep back for it every minute until then.
  const changed =
    transitions.length > 0 ||
    JSON.stringify([book.incidents, book.snoozed, book.incidentsDue]) !==
      JSON.stringify([initial.incidents, initial.snoozed, initial.incidentsDue]);
  if (!changed) return unchanged;
  return {
    state: { ...nextCommitWithoutIncidents(initial), ...withoutUndefined(book) },
    changed: true,
    notifications: notificationsOf(hooks, entityId, transitions, []),
  };
}

function hasIncidentState(state: EntityState<unknown>): boolean {
  return state.incidents !== undefined || state.snoozed !== undefined || state.incidentsDue !== undefined;
}

/**
 * The state as a commit of its own that applies no event, without its incidents, snoozes and due
 * time (absent keys, not undefined ones: the item's attributes follow the keys).
 */
function nextCommitWithoutIncidents<Last>(state: EntityState<Last>): EntityState<Last> {
  const copy: { -readonly [K in keyof EntityState<Last>]: EntityState<Last>[K] } = {
    ...state,
    version: state.version + 1,
    recent: withCommit(state.recent, state.version + 1, []),
  };
  delete copy.incidents;
  delete copy.snoozed;
  delete copy.incidentsDue;
  return copy;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
