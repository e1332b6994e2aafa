import type { Alert } from '../../shared/domain/alerts';
import type { JoinState } from '../../shared/domain/order-join';
import { RetryableError } from '../../shared/errors';
import type { JoinCommit, JoinStore, StoredJoin } from '../../shared/pipeline/join-batch';

/**
 * The join store's contract in memory (the DynamoDB store is tested against moto in orders.test.ts):
 * alerts kept once by id, the state stored only at the version read; `failLoads`, `failCommits` and
 * `failAlerts` fail the next calls before anything is written, `failAfterCommits` the next commits
 * after they are written (a 5xx after the write), `moveBeforeCommit` lets another writer move a join first.
 */
export class MemoryJoinStore implements JoinStore {
  readonly joins = new Map<string, StoredJoin & { expiresAt: number }>();
  readonly alerts = new Map<string, unknown>();
  readonly alertPuts: string[] = [];
  failLoads = 0;
  failCommits = 0;
  failAfterCommits = 0;
  failAlerts = 0;
  loadError: Error | undefined;
  /** Thrown by every commit (a ConfigurationError: the table is gone). */
  commitError: Error | undefined;
  /** Every call made, failed ones included. */
  readonly calls = { load: 0, commit: 0, storeAlerts: 0 };
  moveBeforeCommit: ((orderId: string) => JoinState | undefined) | undefined;

  load(orderIds: readonly string[]): Promise<ReadonlyMap<string, StoredJoin>> {
    this.calls.load++;
    if (this.loadError) return Promise.reject(this.loadError);
    if (this.failLoads > 0) {
      this.failLoads--;
      return Promise.reject(new RetryableError('throttled'));
    }
    return Promise.resolve(new Map(orderIds.flatMap((id) => (this.joins.has(id) ? [[id, this.joins.get(id) as StoredJoin]] : []))));
  }

  commit(commit: JoinCommit): Promise<'committed' | 'conflict'> {
    this.calls.commit++;
    if (this.commitError) return Promise.reject(this.commitError);
    if (this.failCommits > 0) {
      this.failCommits--;
      return Promise.reject(new RetryableError('throttled'));
    }
    const moved = this.moveBeforeCommit?.(commit.orderId);
    if (moved) {
      const now = this.joins.get(commit.orderId)?.version ?? 0;
      this.joins.set(commit.orderId, { state: moved, version: now + 1, expiresAt: 0 });
      this.moveBeforeCommit = undefined;
    }
    if ((this.joins.get(commit.orderId)?.version ?? 0) !== commit.basedOn) return Promise.resolve('conflict');
    this.joins.set(commit.orderId, { state: commit.state, version: commit.basedOn + 1, expiresAt: commit.expiresAt });
    if (this.failAfterCommits > 0) {
      this.failAfterCommits--;
      return Promise.reject(new RetryableError('internal server error'));
    }
    return Promise.resolve('committed');
  }

  storeAlerts(alerts: readonly Alert[]): Promise<void> {
    this.calls.storeAlerts++;
    if (this.failAlerts > 0) {
      this.failAlerts--;
      return Promise.reject(new RetryableError('throttled'));
    }
    for (const alert of alerts) {
      this.alertPuts.push(alert.alertId);
      if (!this.alerts.has(alert.alertId)) this.alerts.set(alert.alertId, alert);
    }
    return Promise.resolve();
  }
}
