import { marshall } from '@aws-sdk/util-dynamodb';
import { entityItem, recordItem } from '../shared/adapters/dynamodb-items';
import { MemoryStateStore } from '../shared/adapters/memory-state-store';
import type { AnyEnvelope } from '../shared/domain/events';
import { validateReading } from '../shared/kinds/reading';
import { validateTransaction } from '../shared/kinds/transaction';
import { DEFAULT_RULES } from '../shared/domain/rules-config';
import { READINGS } from '../shared/kinds/reading';
import { TRANSACTIONS } from '../shared/kinds/transaction';
import type { ScoringKind } from '../shared/pipeline/score-batch';
import { scoreBatch } from '../shared/pipeline/score-batch';
import type { CommitOutcome, Effects, EntityCommit } from '../shared/state/store';
import { itemSize, writeUnits } from './item-size';

/**
 * One entity under load: how large its state item grows and what its writes cost, by DynamoDB's
 * size and write-unit rules (item-size.ts), through the real pipeline on the in-memory store. An
 * item over 400 KB is one DynamoDB refuses; its events would be quarantined (README, Failures).
 */
export interface HotEntityCase {
  readonly label: string;
  readonly kind: 'user' | 'device';
  /** Events per second of event time. */
  readonly rate: number;
  readonly minutes: number;
  /** Records of this entity in each batch (1: its records land one per batch on a busy shard). */
  readonly perBatch: number;
}

export interface HotEntityResult extends HotEntityCase {
  readonly events: number;
  readonly maxItemKb: number;
  /** The first event whose commit would make the item pass 400 KB, if any. */
  readonly firstOverLimit: number | undefined;
  readonly stateWcuPerEvent: number;
  readonly recordWcuPerEvent: number;
}

export const HOT_ENTITY_CASES: readonly HotEntityCase[] = [
  { label: 'one user at 40/s for 15 min, batches of 100', kind: 'user', rate: 40, minutes: 15, perBatch: 100 },
  { label: 'one user at 40/s for 15 min, one event per batch', kind: 'user', rate: 40, minutes: 15, perBatch: 1 },
  { label: 'one user at 1/s for 15 min, one event per batch', kind: 'user', rate: 1, minutes: 15, perBatch: 1 },
  { label: 'one device at 40/s for 15 min, batches of 100', kind: 'device', rate: 40, minutes: 15, perBatch: 100 },
  { label: 'one device at 40/s for 15 min, one reading per batch', kind: 'device', rate: 40, minutes: 15, perBatch: 1 },
  { label: 'one device at 1/s for 15 min, one reading per batch', kind: 'device', rate: 1, minutes: 15, perBatch: 1 },
];

const ITEM_LIMIT = 400 * 1024;
const T0 = Date.UTC(2026, 3, 25, 12, 0, 0);
const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/** The in-memory store, weighing every item the DynamoDB store would write. */
class WeighingStore extends MemoryStateStore {
  readonly stateSizes: number[] = [];
  recordUnits = 0;

  override async writeEffects(effects: Effects): Promise<void> {
    for (const record of effects.records) this.recordUnits += writeUnits(itemSize(marshall(recordItem(record, 0), MARSHALL)));
    return super.writeEffects(effects);
  }

  override async commitStates<Last>(commits: ReadonlyArray<EntityCommit<Last>>): Promise<Map<string, CommitOutcome<Last>>> {
    for (const commit of commits) this.stateSizes.push(itemSize(marshall(entityItem(commit), MARSHALL)));
    return super.commitStates(commits);
  }
}

function envelopeOf(c: HotEntityCase, i: number): AnyEnvelope {
  const time = T0 + Math.floor((i * 1000) / c.rate);
  const validation =
    c.kind === 'user'
      ? validateTransaction({ transactionId: `t${i}`, userId: 'hot', amount: 10 + (i % 7), country: 'DE', timestamp: time })
      : validateReading({ deviceId: 'hot', temperature: 20 + (i % 5), timestamp: time });
  if (!validation.ok) throw new Error(validation.reason);
  return { ...validation.value, arrival: time };
}

export async function measureHotEntity(c: HotEntityCase): Promise<HotEntityResult> {
  const store = new WeighingStore();
  const kind = (
    c.kind === 'user' ? TRANSACTIONS.scoring(DEFAULT_RULES.transactions) : READINGS.scoring(DEFAULT_RULES.readings)
  ) as ScoringKind<AnyEnvelope, unknown, unknown>;
  const events = Math.round(c.rate * c.minutes * 60);
  let firstOverLimit: number | undefined;
  for (let start = 0; start < events; start += c.perBatch) {
    const items = [];
    for (let i = start; i < Math.min(events, start + c.perBatch); i++) items.push({ recordId: String(i), envelope: envelopeOf(c, i) });
    const last = store.stateSizes.length;
    await scoreBatch(items, kind, { store, commitMode: 'single-writer', now: () => T0 });
    if (firstOverLimit === undefined && store.stateSizes.slice(last).some((size) => size > ITEM_LIMIT)) firstOverLimit = start;
  }
  const stateUnits = store.stateSizes.reduce((sum, size) => sum + writeUnits(size), 0);
  return {
    ...c,
    events,
    maxItemKb: Math.max(...store.stateSizes) / 1024,
    firstOverLimit,
    stateWcuPerEvent: stateUnits / events,
    recordWcuPerEvent: store.recordUnits / events,
  };
}

export function hotEntityMarkdown(results: readonly HotEntityResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.events.toLocaleString('en-US')} | ${r.maxItemKb.toFixed(1)} KB | ${
        r.firstOverLimit === undefined ? 'never' : `from event ${r.firstOverLimit.toLocaleString('en-US')}`
      } | ${r.stateWcuPerEvent.toFixed(2)} | ${r.recordWcuPerEvent.toFixed(2)} | ${(r.stateWcuPerEvent + r.recordWcuPerEvent).toFixed(2)} |`,
  );
  return [
    '| one hot entity | events | largest state item | over 400 KB (refused) | state WCU/event | record WCU/event (decision, reading status) | total |',
    '|---|---:|---:|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
