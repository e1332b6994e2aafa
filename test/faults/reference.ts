import type { LabelledEvent } from '../../local/traffic/generator';
import { MemoryStateStore } from '../../shared/adapters/memory-state-store';
import type { Alert } from '../../shared/domain/alerts';
import { validateReading, validateTransaction } from '../../shared/domain/events';
import type { Decision } from '../../shared/domain/fraud-rules';
import { compactId } from '../../shared/domain/ids';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { tumblingWindowStart } from '../../shared/domain/windows';
import { readingKind, transactionKind } from '../../shared/pipeline/kinds';
import { scoreBatch } from '../../shared/pipeline/score-batch';
import { CommitMode } from '../../shared/state/store';
import type { Ledger } from './ledger';

/** One tumbling window of one entity: its aggregates and the ids (as a pane keeps them) of the events it counted. */
export interface WindowFigures {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly ids: readonly string[];
}

export interface Reference {
  /** Keyed `<entityId>@<window start ms>`. */
  readonly windows: ReadonlyMap<string, WindowFigures>;
  readonly decisions: ReadonlyMap<string, Decision>;
  readonly alerts: ReadonlyMap<string, Alert>;
}

/**
 * What the system must hold after any faults, from the ledger alone:
 * - the windows, computed here from the distinct events (each counted once in the one tumbling
 *   window of its entity that its event time falls in), without the code under test;
 * - the decisions and alerts of a fault-free run: the same scoring core, in memory, fed each
 *   distinct event once, in put order (which is each entity's order on its shard). Faults may
 *   change how often things are delivered, never what is decided or alerted.
 */
export async function referenceOf(ledger: Ledger, rules: RulesConfig): Promise<Reference> {
  const windows = new Map<string, WindowFigures>();
  for (const event of ledger.events) {
    const isTransaction = event.kind === 'transaction';
    const time = Date.parse(String(event.event['timestamp']));
    const size = isTransaction ? rules.transactions.window : rules.readings.window;
    const entity = String(isTransaction ? event.event['userId'] : event.event['deviceId']);
    const value = Number(isTransaction ? event.event['amount'] : event.event['temperature']);
    // How a pane names an event: a transaction by a digest of its id, a reading by its time.
    const id = isTransaction ? compactId(event.id) : time.toString(36);
    const key = `${entity}@${tumblingWindowStart(time, size)}`;
    const w = windows.get(key);
    windows.set(
      key,
      w
        ? { count: w.count + 1, sum: w.sum + value, min: Math.min(w.min, value), max: Math.max(w.max, value), ids: [...w.ids, id] }
        : { count: 1, sum: value, min: value, max: value, ids: [id] },
    );
  }
  const { decisions, alerts } = await faultFreeRun(ledger.events, rules);
  return { windows, decisions, alerts };
}

async function faultFreeRun(
  events: readonly LabelledEvent[],
  rules: RulesConfig,
): Promise<{ decisions: Map<string, Decision>; alerts: Map<string, Alert> }> {
  const store = new MemoryStateStore();
  const deps = { store, commitMode: CommitMode.conditional };
  const kinds = { transaction: transactionKind(rules), reading: readingKind(rules) };
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
