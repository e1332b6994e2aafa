import { createHash } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LabelledEvent } from '../../local/traffic/generator';
import { takeTraffic } from '../../local/traffic/generator';
import { putRecords } from '../../local/traffic/producer';
import { seededRandom } from '../../local/traffic/random';
import type { HostileOptions } from './hostile';
import { hostileEvents, restamped } from './hostile';
import type { LedgerOrderSide } from './orders';
import { orderRecord, orderSides, spliceOrders } from './orders';

/**
 * What went in: N generated, labelled events (transactions and readings), the copies a producer
 * put twice, and the poison records, each as the bytes put on its stream, in put order. Every id
 * carries the ledger's tag, so several ledgers can share one deployed stack.
 */
export type StreamName = 'transactions' | 'readings' | 'orders';
export type PoisonKind = 'not JSON' | 'wrong types' | 'too large' | 'refused number';

export interface LedgerRecord {
  readonly stream: StreamName;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly role: 'event' | 'duplicate' | 'poison';
  /** The event's id (event and duplicate). */
  readonly eventId?: string;
  readonly poison?: { readonly kind: PoisonKind; readonly reason: RegExp; readonly sha256: string };
}

export interface Ledger {
  readonly tag: string;
  readonly seed: number;
  /** The distinct events, in the order they were first put. */
  readonly events: readonly LabelledEvent[];
  /** The distinct sides of the orders join (orders.ts), every order's in the order they are first put. */
  readonly orderSides: readonly LedgerOrderSide[];
  readonly records: readonly LedgerRecord[];
}

export interface LedgerOptions {
  /** Short and unique per ledger: prefixes every entity and event id. */
  readonly tag: string;
  readonly events: number;
  readonly seed: number;
  /** Share of events put twice: half right after the first (one batch), half much later. */
  readonly duplicateRate?: number;
  /** Poison records, as a share of the events. */
  readonly poisonRate?: number;
  /** The clock: event times end a few minutes before it. */
  readonly now?: number;
  /** Share of the transactions put again later with another timestamp (a producer that re-stamps a resend). */
  readonly restampRate?: number;
  /** Share of the events carrying a number DynamoDB cannot store (1e-200): refused at validation, quarantined. */
  readonly refusedNumberRate?: number;
  /** A hot entity, skewed clocks, back-dated events: see hostile.ts. */
  readonly hostile?: HostileOptions;
  /** Orders of the orders join (orders.ts), each with its payment, or not; put twice at the duplicate rate too. */
  readonly orders?: number;
}

const HOUR = 3_600_000;
const POISON: readonly PoisonKind[] = ['not JSON', 'wrong types', 'too large'];
const REASONS: Record<PoisonKind, RegExp> = {
  'not JSON': /^not JSON/,
  'wrong types': /^invalid event: /,
  'too large': /^record too large: /,
  'refused number': /^invalid event: .*DynamoDB cannot store numbers this small/,
};
/** Above the functions' MAX_RECORD_BYTES (64 KiB), well below Kinesis's 1 MiB. */
const TOO_LARGE_BYTES = 70_000;

export function makeLedger(options: LedgerOptions): Ledger {
  const { tag, seed } = options;
  // Event times end a few minutes before now, starting on a whole hour so that the windows fall the
  // same way on every run of a seed. The traffic's span does not depend on where it starts.
  const probe = takeTraffic(options.events, { seed, idPrefix: tag, start: 0 });
  const span = timeOf(probe[probe.length - 1]) - timeOf(probe[0]);
  const now = options.now ?? Date.now();
  const start = Math.floor((now - span - 5 * 60_000) / HOUR) * HOUR;
  const generated = takeTraffic(options.events, { seed, idPrefix: tag, start }).map((e) => tagged(e, tag));
  const events = options.hostile ? hostileEvents(generated, { ...options.hostile, tag, now }, seededRandom(seed ^ 0x4057)) : generated;

  const random = seededRandom(seed ^ 0x5eed);
  const records: LedgerRecord[] = events.map((e) => eventRecord(e, 'event'));
  const orders = orderSides(options.orders ?? 0, tag, start, now - 5 * 60_000, seededRandom(seed ^ 0x0dd5));
  spliceOrders(records, orders, seededRandom(seed ^ 0x0dd6));
  const sides = records.flatMap((r) => (r.stream === 'orders' ? (orders.flat().find((side) => side.id === r.eventId) ?? []) : []));
  for (const event of [...events, ...sides]) {
    if (random() >= (options.duplicateRate ?? 0)) continue;
    const first = records.findIndex((r) => r.eventId === event.id && r.role === 'event');
    const at = random() < 0.5 ? first + 1 : first + 1 + Math.floor(random() * (records.length - first));
    records.splice(at, 0, 'orderId' in event ? orderRecord(event, 'duplicate') : eventRecord(event, 'duplicate'));
  }
  for (const event of events) {
    if (event.kind !== 'transaction' || random() >= (options.restampRate ?? 0)) continue;
    const first = records.findIndex((r) => r.eventId === event.id && r.role === 'event');
    records.splice(first + 1 + Math.floor(random() * (records.length - first)), 0, eventRecord(restamped(event, random), 'duplicate'));
  }
  const refusedCount = Math.round(options.events * (options.refusedNumberRate ?? 0));
  for (let i = 0; i < refusedCount; i++) {
    const record = poisonRecord(tag, `refused-${i}`, 'refused number', i % 2 === 0 ? 'transactions' : 'readings');
    records.splice(Math.floor(random() * (records.length + 1)), 0, record);
  }
  const poisonCount = Math.round(options.events * (options.poisonRate ?? 0));
  for (let i = 0; i < poisonCount; i++) {
    const record = poisonRecord(tag, String(i), POISON[i % POISON.length] as PoisonKind, i % 2 === 0 ? 'transactions' : 'readings');
    records.splice(Math.floor(random() * (records.length + 1)), 0, record);
  }
  return { tag, seed, events, orderSides: sides, records };
}

/** Puts the ledger's records on the stack's streams in ledger order (PutRecords, 500 a request). */
export async function putLedger(kinesis: KinesisClient, ledger: Ledger, streams: Record<StreamName, string>): Promise<void> {
  for (const stream of ['transactions', 'readings', 'orders'] as const) {
    const records = ledger.records.filter((r) => r.stream === stream);
    const result = await putRecords(kinesis, streams[stream], records);
    if (result.failed.length > 0 || result.put !== records.length) {
      throw new Error(`ledger ${ledger.tag}: ${result.failed.length} of ${records.length} records could not be put on ${streams[stream]}`);
    }
  }
}

export function ledgerCounts(ledger: Ledger): {
  readonly records: number;
  readonly events: number;
  readonly duplicates: number;
  readonly poison: number;
} {
  // Events and their duplicates of the scored streams: what the windows count. The orders' sides are audited as joins.
  const count = (role: LedgerRecord['role']) => ledger.records.filter((r) => r.role === role && r.stream !== 'orders').length;
  return { records: ledger.records.length, events: count('event'), duplicates: count('duplicate'), poison: count('poison') };
}

/** The tag goes in front of every user and device, so each ledger's entities are its own. */
function tagged(event: LabelledEvent, tag: string): LabelledEvent {
  if (event.kind === 'transaction') {
    const userId = `${tag}-${String(event.event['userId'])}`;
    return { ...event, partitionKey: userId, event: { ...event.event, userId } };
  }
  const deviceId = `${tag}-${String(event.event['deviceId'])}`;
  return { ...event, id: `${deviceId}@${String(event.event['timestamp'])}`, partitionKey: deviceId, event: { ...event.event, deviceId } };
}

function eventRecord(event: LabelledEvent, role: 'event' | 'duplicate'): LedgerRecord {
  return {
    stream: event.kind === 'transaction' ? 'transactions' : 'readings',
    partitionKey: event.partitionKey,
    data: Buffer.from(JSON.stringify(event.event)),
    role,
    eventId: event.id,
  };
}

function poisonRecord(tag: string, i: string, kind: PoisonKind, stream: StreamName): LedgerRecord {
  const id = `${tag}-poison-${i}`;
  const timestamp = '2026-04-25T12:00:00.000Z';
  const valid =
    stream === 'transactions'
      ? { transactionId: `txn-${id}`, userId: `${tag}-poisoner`, amount: 12.5, country: 'DE', timestamp }
      : // A reading has no id of its own: its device is this record's, so no two poison records are the same bytes.
        { deviceId: `${tag}-poisoner-${i}`, temperature: 21.5, timestamp };
  const tiny = stream === 'transactions' ? { amount: 1e-200 } : { temperature: 1e-200 };
  const text =
    kind === 'not JSON'
      ? JSON.stringify(valid).slice(0, -7)
      : kind === 'wrong types'
        ? JSON.stringify(
            stream === 'transactions' ? { ...valid, userId: 42, amount: 'lots' } : { ...valid, temperature: 'hot', timestamp: 'yesterday' },
          )
        : kind === 'refused number'
          ? JSON.stringify({ ...valid, ...tiny, timestamp: new Date().toISOString() })
          : JSON.stringify({ ...valid, note: 'x'.repeat(TOO_LARGE_BYTES) });
  const data = Buffer.from(text);
  return {
    stream,
    partitionKey: `${tag}-poisoner`,
    data,
    role: 'poison',
    poison: { kind, reason: REASONS[kind], sha256: createHash('sha256').update(data).digest('hex') },
  };
}

function timeOf(event: LabelledEvent | undefined): number {
  return Date.parse(String(event?.event['timestamp']));
}
