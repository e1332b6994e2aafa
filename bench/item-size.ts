import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size and write-unit rules, as the developer guide states them
 * ("DynamoDB item sizes and formats"; "Capacity unit consumption for write operations"):
 * - an item's size is the sum of its attribute names' UTF-8 bytes and its values' sizes;
 * - a string is its UTF-8 bytes, a binary its raw bytes, a boolean or null 1 byte;
 * - a number is about 1 byte per two significant digits plus 1 (leading and trailing zeros trimmed);
 * - a list or map is 3 bytes plus its elements, each element 1 byte more (a map element also its name);
 * - a write costs 1 unit per started KB of the larger of the item before and after it (at least 1);
 *   a delete the item it removes; a write whose condition fails the item that is there (at least 1);
 *   BatchWriteItem rounds each item on its own.
 * Sets are counted as the sum of their members (the guide names no overhead for them).
 */
export const WRITE_UNIT_BYTES = 1024;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Significant digits of a DynamoDB number string ("-0012.3400" → 3, "1e+21" → 1). */
export function significantDigits(number: string): number {
  const mantissa = number.trim().replace(/^[+-]/, '').split(/e/i)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(1, digits.length);
}

export function numberSize(number: string): number {
  return Math.ceil(significantDigits(number) / 2) + 1;
}

/** The size of one value, its attribute name not included. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, element) => n + 1 + valueSize(element), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [name, element]) => n + 1 + utf8Bytes(name) + valueSize(element), 0);
  throw new Error(`unknown DynamoDB attribute value type: ${Object.keys(value).join(', ')}`);
}

export function itemSize(item: Readonly<Record<string, AttributeValue>>): number {
  return Object.entries(item).reduce((n, [name, value]) => n + utf8Bytes(name) + valueSize(value), 0);
}

/** Units for writing `bytes` (rounded up to the next KB, at least one unit). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** What one item write costs, given the sizes of the item before (undefined: none) and after it. */
export function writeCost(write: {
  readonly before: number | undefined;
  readonly after: number | undefined;
  readonly conditionFailed?: boolean;
}): number {
  if (write.conditionFailed) return writeUnits(write.before ?? 0);
  return writeUnits(Math.max(write.before ?? 0, write.after ?? 0));
}
