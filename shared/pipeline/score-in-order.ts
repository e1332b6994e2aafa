import type { Alert } from '../domain/alerts';
import type { AnyEnvelope } from '../domain/events';
import { RetryableError } from '../errors';
import type { ControlBatchDeps, ControlItem } from './control-batch';
import { applyControls } from './control-batch';
import type { BatchScoring, ItemOutcome, ScoreBatchDeps, ScoringItem, ScoringKind } from './score-batch';
import { scoreBatch } from './score-batch';

/** One record of a batch, in stream order: an event, or a control record. */
export type OrderedRecord<E extends AnyEnvelope> =
  { readonly type: 'event'; readonly item: ScoringItem<E> } | { readonly type: 'control'; readonly item: ControlItem };

export interface OrderedScoring<E extends AnyEnvelope, R> extends BatchScoring<E, R> {
  /** Control records to deliver again (failed, or not applied because an earlier record failed). */
  readonly failedControls: readonly string[];
}

/**
 * A batch with control records, applied in stream order: each run of events is one `scoreBatch`,
 * each run of control records one `applyControls`, one after the other. Order matters: time passing
 * before an event resolves an incident the event would have kept open, and the same records must
 * give the same transitions however Lambda cuts them into batches (a retry after a crash may cut
 * them otherwise). Once a run has a failure, no later run is applied: its records are reported
 * failed and come again after the failed one (Lambda retries from the lowest failed record), so a
 * control record never passes an event of its entity that has not been applied. A batch without
 * control records is one `scoreBatch`, as before.
 */
export async function scoreInOrder<E extends AnyEnvelope, Last, R>(
  records: ReadonlyArray<OrderedRecord<E>>,
  kind: ScoringKind<E, Last, R>,
  deps: ScoreBatchDeps & ControlBatchDeps,
): Promise<OrderedScoring<E, R>> {
  const outcomes: Array<ItemOutcome<E, R>> = [];
  const alerts: Alert[] = [];
  const notifications: Alert[] = [];
  const failedControls: string[] = [];
  const shadowDisagreements: Record<string, number> = {};
  let conflicts = 0;
  let stopped = false;
  for (const run of runs(records)) {
    if (stopped) {
      const error = new RetryableError('not applied: an earlier record of the batch failed, and this one must come after it');
      for (const r of run) {
        if (r.type === 'event') outcomes.push({ recordId: r.item.recordId, status: 'failed', envelope: r.item.envelope, error });
        else failedControls.push(r.item.recordId);
      }
      continue;
    }
    if (run[0]?.type === 'event') {
      const scored = await scoreBatch(
        run.flatMap((r) => (r.type === 'event' ? [r.item] : [])),
        kind,
        deps,
      );
      outcomes.push(...scored.outcomes);
      alerts.push(...scored.alerts);
      notifications.push(...scored.notifications);
      conflicts += scored.conflicts;
      for (const [direction, count] of Object.entries(scored.shadowDisagreements)) {
        shadowDisagreements[direction] = (shadowDisagreements[direction] ?? 0) + count;
      }
      stopped = scored.outcomes.some((o) => o.status === 'failed');
    } else {
      const controlled = await applyControls(
        run.flatMap((r) => (r.type === 'control' ? [r.item] : [])),
        kind,
        deps,
      );
      notifications.push(...controlled.notifications);
      failedControls.push(...controlled.failed);
      stopped = controlled.failed.length > 0;
    }
  }
  return { outcomes, alerts, notifications, conflicts, failedControls, shadowDisagreements };
}

/** Consecutive records of one type. */
function runs<E extends AnyEnvelope>(records: ReadonlyArray<OrderedRecord<E>>): Array<Array<OrderedRecord<E>>> {
  const result: Array<Array<OrderedRecord<E>>> = [];
  for (const record of records) {
    const last = result.at(-1);
    if (last && last[0]?.type === record.type) last.push(record);
    else result.push([record]);
  }
  return result;
}
