import { createHash } from 'node:crypto';

/**
 * Records aggregated by the Kinesis Producer Library (KPL), and by what writes its format (Kinesis
 * Agent, Fluent Bit, AWS Labs' aws-kinesis-agg): many user records in one Kinesis record, as
 *
 *   magic (f3 89 9a c2) · protobuf `AggregatedRecord` · MD5 of the protobuf (16 bytes)
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *                              repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *
 * A small reader and writer of those two messages, instead of a protobuf library: the scorers'
 * bundles stay under their budget, and nothing else of protobuf is needed.
 */

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_BYTES = 16;

/** One user record of an aggregate: what its producer put, under its own partition key. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Buffer;
}

export type Deaggregation =
  /** Not an aggregate: the record is one user record, as it is. */
  | { readonly aggregated: false }
  | { readonly aggregated: true; readonly ok: true; readonly records: readonly UserRecord[] }
  /** An aggregate that cannot be taken apart (a wrong checksum, a cut or malformed message): refused whole. */
  | { readonly aggregated: true; readonly ok: false; readonly reason: string };

/** Whether the bytes start as an aggregate does (a JSON event never does: 0xf3 is no UTF-8 lead byte of text). */
export function isAggregate(bytes: Uint8Array): boolean {
  return bytes.length >= KPL_MAGIC.length && KPL_MAGIC.every((byte, i) => bytes[i] === byte);
}

/** The user records of a Kinesis record's data, in their order, or why the aggregate is refused. */
export function deaggregate(bytes: Buffer): Deaggregation {
  if (!isAggregate(bytes)) return { aggregated: false };
  const refused = (reason: string): Deaggregation => ({ aggregated: true, ok: false, reason: `KPL aggregate ${reason}` });
  if (bytes.length < KPL_MAGIC.length + MD5_BYTES) return refused(`too short: ${bytes.length} bytes`);
  const message = bytes.subarray(KPL_MAGIC.length, bytes.length - MD5_BYTES);
  const digest = bytes.subarray(bytes.length - MD5_BYTES);
  if (!createHash('md5').update(message).digest().equals(digest)) return refused('has a wrong MD5: it was changed or cut on the way');
  try {
    return { aggregated: true, ok: true, records: readAggregatedRecord(message) };
  } catch (error) {
    return refused(`is malformed: ${(error as Error).message}`);
  }
}

/** An aggregate of these user records, as the KPL writes it (for `riskstream produce --aggregate`). */
export function aggregate(records: readonly UserRecord[]): Buffer {
  const keys = [...new Set(records.map((r) => r.partitionKey))];
  const hashKeys = [...new Set(records.flatMap((r) => (r.explicitHashKey === undefined ? [] : [r.explicitHashKey])))];
  const parts: Buffer[] = [];
  for (const key of keys) parts.push(field(1, Buffer.from(key, 'utf8')));
  for (const hashKey of hashKeys) parts.push(field(2, Buffer.from(hashKey, 'utf8')));
  for (const record of records) {
    const inner = [varintField(1, keys.indexOf(record.partitionKey))];
    if (record.explicitHashKey !== undefined) inner.push(varintField(2, hashKeys.indexOf(record.explicitHashKey)));
    inner.push(field(3, record.data));
    parts.push(field(3, Buffer.concat(inner)));
  }
  const message = Buffer.concat(parts);
  return Buffer.concat([KPL_MAGIC, message, createHash('md5').update(message).digest()]);
}

const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

function readAggregatedRecord(message: Buffer): UserRecord[] {
  const keys: string[] = [];
  const hashKeys: string[] = [];
  const raw: Array<{ keyIndex: number; hashKeyIndex?: number; data: Buffer }> = [];
  for (const { number, value } of fields(message)) {
    if (number === 1) keys.push(text(value, 'partition_key_table'));
    else if (number === 2) hashKeys.push(text(value, 'explicit_hash_key_table'));
    else if (number === 3) raw.push(readRecord(bytesOf(value, 'records')));
  }
  return raw.map(({ keyIndex, hashKeyIndex, data }, i) => {
    const partitionKey = keys[keyIndex];
    if (partitionKey === undefined) throw new Error(`record ${i} names partition key ${keyIndex} of ${keys.length}`);
    if (hashKeyIndex === undefined) return { partitionKey, data };
    const explicitHashKey = hashKeys[hashKeyIndex];
    if (explicitHashKey === undefined) throw new Error(`record ${i} names explicit hash key ${hashKeyIndex} of ${hashKeys.length}`);
    return { partitionKey, explicitHashKey, data };
  });
}

function readRecord(message: Buffer): { keyIndex: number; hashKeyIndex?: number; data: Buffer } {
  let keyIndex: number | undefined;
  let hashKeyIndex: number | undefined;
  let data: Buffer | undefined;
  for (const { number, value } of fields(message)) {
    if (number === 1) keyIndex = numberOf(value, 'partition_key_index');
    else if (number === 2) hashKeyIndex = numberOf(value, 'explicit_hash_key_index');
    else if (number === 3) data = bytesOf(value, 'data');
    // 4: tags, which nothing here reads.
  }
  if (keyIndex === undefined) throw new Error('a record has no partition_key_index');
  if (data === undefined) throw new Error('a record has no data');
  return hashKeyIndex === undefined ? { keyIndex, data } : { keyIndex, hashKeyIndex, data };
}

/** A field's value: a number for a varint, bytes for a length-delimited field, undefined for the fixed widths (never used here). */
type FieldValue = number | Buffer | undefined;

function* fields(message: Buffer): Generator<{ number: number; value: FieldValue }> {
  let at = 0;
  while (at < message.length) {
    const key = readVarint(message, at);
    at = key.next;
    const number = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    if (number === 0) throw new Error(`field number 0 at byte ${at}`);
    if (wireType === WireType.varint) {
      const value = readVarint(message, at);
      at = value.next;
      yield { number, value: value.value };
    } else if (wireType === WireType.bytes) {
      const length = readVarint(message, at);
      const end = length.next + length.value;
      if (end > message.length) throw new Error(`field ${number} runs ${end - message.length} bytes past the end`);
      yield { number, value: message.subarray(length.next, end) };
      at = end;
    } else if (wireType === WireType.fixed64 || wireType === WireType.fixed32) {
      at += wireType === WireType.fixed64 ? 8 : 4;
      if (at > message.length) throw new Error(`field ${number} runs past the end`);
      yield { number, value: undefined };
    } else {
      throw new Error(`field ${number} has wire type ${wireType}, which protobuf does not have`);
    }
  }
}

/** A varint up to 2^53 (indexes and lengths: far below it). */
function readVarint(buffer: Buffer, start: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let at = start; at < buffer.length && at < start + 8; at++) {
    const byte = buffer[at] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: at + 1 };
    scale *= 128;
  }
  throw new Error(`a varint at byte ${start} is cut or too long`);
}

function numberOf(value: FieldValue, name: string): number {
  if (typeof value !== 'number') throw new Error(`${name} is not a number`);
  return value;
}

function bytesOf(value: FieldValue, name: string): Buffer {
  if (!Buffer.isBuffer(value)) throw new Error(`${name} is not length-delimited`);
  return value;
}

function text(value: FieldValue, name: string): string {
  return bytesOf(value, name).toString('utf8');
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function varintField(number: number, value: number): Buffer {
  return Buffer.concat([varint(number * 8 + WireType.varint), varint(value)]);
}

function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(number * 8 + WireType.bytes), varint(bytes.length), bytes]);
}
