import type { Alert } from '../domain/alerts';
import { describeError } from '../errors';
import type { BudgetedSubscriber } from './budgets';
import { budgetWindow, heldEntry, receives } from './budgets';
import type { AlertPublisher, Delivery, DeliveryPublisher, PublishOutcome } from './messages';

/** Where the budgets are counted and the held notifications wait (DynamoDB: `DynamoDBBudgetStore`). */
export interface BudgetStore {
  /**
   * Counts a message (an alert, or a digest) against the subscriber's window: `send` while the window
   * has room, or if this message was counted in it already (a retry sends what it sent before);
   * `hold` once it is full.
   */
  take(
    subscriber: Pick<BudgetedSubscriber, 'id' | 'budget'>,
    messageId: string,
    window: { start: number; end: number },
  ): Promise<'send' | 'hold'>;
  /** Keeps the entry for the subscriber's digest of that window; holding it twice keeps one. */
  hold(subscriber: BudgetedSubscriber, alertId: string, entry: string, window: { start: number; end: number }): Promise<void>;
}

/**
 * Publishes alerts to everyone: one message for the subscribers without a budget (machines, as
 * before), and one per budgeted subscriber that takes the alert and has room in its window; the
 * others get it in their digest. An alert counts as published only when every one of its messages
 * was taken by SNS or held, so a failure sends it all again later (the budget recognises the alert
 * it counted, the digest the entry it holds): at least once per subscriber, as for alerts.
 */
export class BudgetedAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: DeliveryPublisher,
    private readonly budgets: BudgetStore,
    private readonly subscribers: readonly BudgetedSubscriber[],
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `createdAt`: when each alert was stored (its outbox record's creation time), which picks its
   * budget window, so a retry in a later window counts it where it was counted (and held) before.
   * Alerts without one count at the wall clock's window.
   */
  async publish(alerts: readonly Alert[], createdAt?: ReadonlyMap<string, number>): Promise<PublishOutcome> {
    const now = this.now();
    const failed = new Map<string, string>();
    const held: string[] = [];
    const deliveries: Delivery[] = [];
    const alertOfDelivery = new Map<string, string>();
    // One at a time, in stream order: a window's room goes to an incident's opening before its resolution.
    for (const alert of alerts) {
      const own: Delivery[] = [{ id: alert.alertId, alert }];
      try {
        for (const subscriber of this.subscribers.filter((s) => receives(s, alert))) {
          const window = budgetWindow(createdAt?.get(alert.alertId) ?? now, subscriber.budget.perMs);
          if ((await this.budgets.take(subscriber, alert.alertId, window)) === 'send') {
            const id = `${alert.alertId} to ${subscriber.id}`;
            alertOfDelivery.set(id, alert.alertId);
            own.push({ id, alert, recipient: subscriber.id });
          } else {
            await this.budgets.hold(subscriber, alert.alertId, heldEntry(alert), window);
            held.push(alert.alertId);
          }
        }
      } catch (error) {
        failed.set(alert.alertId, `budget: ${describeError(error)}`);
        continue;
      }
      deliveries.push(...own);
    }
    const outcome = deliveries.length > 0 ? await this.sns.deliver(deliveries) : { published: [], failed: [], rejected: [] };
    const alertOf = (deliveryId: string) => alertOfDelivery.get(deliveryId) ?? deliveryId;
    const rejected = new Map<string, string>();
    for (const r of outcome.rejected) if (!rejected.has(alertOf(r.alertId))) rejected.set(alertOf(r.alertId), r.reason);
    for (const f of outcome.failed) if (!failed.has(alertOf(f.alertId))) failed.set(alertOf(f.alertId), f.reason);
    const ids = [...new Set(alerts.map((a) => a.alertId))];
    return {
      published: ids.filter((id) => !failed.has(id) && !rejected.has(id)),
      // A rejected message is the alert's own fault: resending it would be refused again.
      rejected: ids.filter((id) => rejected.has(id)).map((id) => ({ alertId: id, reason: rejected.get(id) ?? '' })),
      failed: ids.filter((id) => failed.has(id) && !rejected.has(id)).map((id) => ({ alertId: id, reason: failed.get(id) ?? '' })),
      held,
    };
  }
}
