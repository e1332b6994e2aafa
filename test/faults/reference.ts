import type { LabelledEvent } from '../../local/traffic/generator';
import { MemoryStateStore } from '../../shared/adapters/memory-state-store';
import type { Alert } from '../../shared/domain/alerts';
import { validateReading } from '../../shared/kinds/reading';
import { validateTransaction } from '../../shared/kinds/transaction';
import type { Decision } from '../../shared/domain/fraud-rules';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { tumblingWindowStart } from '../../shared/domain/windows';
import { READINGS } from '../../shared/kinds/reading';
import { TRANSACTIONS } from '../../shared/kinds/transaction';
import { scoreBatch } from '../../shared/pipeline/score-batch';
import { CommitMode } from '../../shared/state/store';
import type { Ledger } from './ledger';
import { InMemoryJoins } from '../../local/backtest/in-memory-joins';
import type { JoinOutcome } from '../../shared/domain/order-join';
import { DEFAULT_JOIN_WINDOW_MS } from '../../shared/domain/order-join';
import { validateOrderEvent } from '../../shared/domain/order-events';
import { joinAlert } from '../../shared/domain/order-join-alerts';

/** One tumbling window of one entity: its aggregates. */
export interface WindowFigures {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export interface Reference {
  /** Keyed `<entityId>@<pane start ms>`: what each pane must hold. */
  readonly windows: ReadonlyMap<string, WindowFigures>;
  readonly decisions: ReadonlyMap<string, Decision>;
  readonly alerts: ReadonlyMap<string, Alert>;
  /** Each order's join as the events decide it, by order id: its outcome, or undefined while a side waits. */
  readonly joins: ReadonlyMap<string, JoinOutcome | undefined>;
}

/**
 * What the system must hold after any faults, from the ledger alone:
 * - the panes, computed here from the distinct events (each counted once in the one pane of its
 *   entity that its event time falls in, unless its pane had closed when it came), without the
 *   code under test; every window a rule reads is a sum of these;
 * - the decisions and alerts of a fault-free run: the same scoring core, in memory, fed each
 *   distinct event once, in put order (which is each entity's order on its shard). Faults may
 *   change how often things are delivered, never what is decided or alerted.
 */
export async function referenceOf(ledger: Ledger, rules: RulesConfig): Promise<Reference> {
  const windows = new Map<string, WindowFigures>();
  // Each entity's watermark as the pipeline moves it: its events in put order, a late one moving
  // nothing. (An event dated past the moment it is put is the last of its entity: see hostile.ts.)
  const watermarks = new Map<string, number>();
  for (const event of ledger.events) {
    const isTransaction = event.kind === 'transaction';
    const time = Date.parse(String(event.event['timestamp']));
    const { pane, allowedLateness } = isTransaction ? rules.transactions : rules.readings;
    const entity = String(isTransaction ? event.event['userId'] : event.event['deviceId']);
    const value = Number(isTransaction ? event.event['amount'] : event.event['temperature']);
    const start = tumblingWindowStart(time, pane);
    const watermark = watermarks.get(`${event.kind}:${entity}`);
    if (watermark !== undefined && start + pane + allowedLateness <= watermark) continue; // late: judged, never counted
    watermarks.set(`${event.kind}:${entity}`, Math.max(watermark ?? time, time));
    const key = `${entity}@${start}`;
    const w = windows.get(key);
    windows.set(
      key,
      w
        ? { count: w.count + 1, sum: w.sum + value, min: Math.min(w.min, value), max: Math.max(w.max, value) }
        : { count: 1, sum: value, min: value, max: value },
    );
  }
  const { decisions, alerts } = await faultFreeRun(ledger.events, rules);
  const joins = joinsOf(ledger);
  for (const alert of joins.alerts) alerts.set(alert.alertId, alert);
  return { windows, decisions, alerts, joins: joins.outcomes };
}

/**
 * The joins as the deployed join must leave them: the join's state machine fed each distinct side
 * once, in put order (each order's order on its shard), with the deploy's window; no time passes
 * but the sides' own (the suite fires no sweep), so a side waits unless a side dated past its window comes.
 */
function joinsOf(ledger: Ledger): { outcomes: Map<string, JoinOutcome | undefined>; alerts: Alert[] } {
  const joins = new InMemoryJoins(DEFAULT_JOIN_WINDOW_MS);
  const outcomes = new Map<string, JoinOutcome | undefined>();
  const alerts: Alert[] = [];
  for (const side of ledger.orderSides) {
    const v = validateOrderEvent(side.event);
    if (!v.ok) throw new Error(`ledger side ${side.id} is not valid: ${v.reason}`);
    const step = joins.add(v.value);
    if (!outcomes.has(side.orderId)) outcomes.set(side.orderId, undefined);
    if (step.status !== 'done') continue;
    outcomes.set(side.orderId, step.result.outcome);
    const alert = joinAlert(step.result, DEFAULT_JOIN_WINDOW_MS);
    if (alert) alerts.push(alert);
  }
  return { outcomes, alerts };
}

async function faultFreeRun(
  events: readonly LabelledEvent[],
  rules: RulesConfig,
): Promise<{ decisions: Map<string, Decision>; alerts: Map<string, Alert> }> {
  const store = new MemoryStateStore();
  const deps = { store, commitMode: CommitMode.conditional };
  const kinds = { transaction: TRANSACTIONS.scoring(rules.transactions), reading: READINGS.scoring(rules.readings) };
  for (const [i, event] of events.entries()) {
    const recordId = String(i);
    if (event.kind === 'transaction') {
      const v = validateTransaction(event.event);
      if (!v.ok) throw new Error(`ledger event ${event.id} is not valid: ${v.reason}`);
      await scoreBatch([{ recordId, envelope: v.value }], kinds.transaction, deps);
    } else {
      const v = validateReading(event.event);
      if (!v.ok) throw new Error(`ledger event ${event.id} is not valid: ${v.reason}`);
      await scoreBatch([{ recordId, envelope: v.value }], kinds.reading, deps);
    }
  }
  return { decisions: store.decisions, alerts: store.alerts };
}
