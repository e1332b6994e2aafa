import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSize, writeCost } from './item-size';

type Item = Readonly<Record<string, AttributeValue>>;

/**
 * Write units by DynamoDB's rule, for tables that only the measured clients write: the ledger
 * keeps the size of every item it has seen written, so it knows the "before" of each write
 * without reading it back. Tables must start empty (the bench creates them).
 */
export class WriteLedger {
  private readonly sizes = new Map<string, number>();
  private total = 0;
  private readonly byTable: Record<string, number> = {};

  /** `keys`: each table's key attribute names (partition key, then sort key if any). */
  constructor(private readonly keys: Readonly<Record<string, readonly string[]>>) {}

  get units(): number {
    return this.total;
  }

  unitsByTable(): Record<string, number> {
    return { ...this.byTable };
  }

  put(table: string, item: Item): number {
    const key = this.keyOf(table, item);
    const after = itemSize(item);
    const units = writeCost({ before: this.sizes.get(key), after });
    this.sizes.set(key, after);
    return this.charge(table, units);
  }

  /** `after`: the whole item as it is after the update (UpdateItem with ReturnValues ALL_NEW). */
  update(table: string, keyAttributes: Item, after: Item): number {
    const key = this.keyOf(table, keyAttributes);
    const size = itemSize(after);
    const units = writeCost({ before: this.sizes.get(key), after: size });
    this.sizes.set(key, size);
    return this.charge(table, units);
  }

  delete(table: string, keyAttributes: Item): number {
    const key = this.keyOf(table, keyAttributes);
    const units = writeCost({ before: this.sizes.get(key), after: undefined });
    this.sizes.delete(key);
    return this.charge(table, units);
  }

  /** A put, update or delete whose condition failed: it costs the item that is there, and changes nothing. */
  conditionFailed(table: string, keyAttributes: Item): number {
    return this.charge(
      table,
      writeCost({ before: this.sizes.get(this.keyOf(table, keyAttributes)), after: undefined, conditionFailed: true }),
    );
  }

  /** The stored size of an item, if the ledger saw it written. */
  sizeOf(table: string, keyAttributes: Item): number | undefined {
    return this.sizes.get(this.keyOf(table, keyAttributes));
  }

  keyOf(table: string, item: Item): string {
    const names = this.keys[table];
    if (!names) throw new Error(`write ledger: no key schema for table ${table}`);
    return `${table}\u0000${names.map((name) => JSON.stringify(item[name] ?? null)).join('\u0000')}`;
  }

  private charge(table: string, units: number): number {
    this.total += units;
    this.byTable[table] = (this.byTable[table] ?? 0) + units;
    return units;
  }
}
