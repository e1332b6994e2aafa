import { WriteLedger } from '../../../bench/write-ledger';

const big = (key: string, bytes: number) => ({ pk: { S: key }, data: { S: 'x'.repeat(bytes) } });

describe('WriteLedger', () => {
  it('prices each write against the item it replaces, per table', () => {
    const ledger = new WriteLedger({ state: ['pk'], idem: ['id'] });

    const first = ledger.put('state', big('a', 2000)); // new: 2 units
    const smaller = ledger.put('state', big('a', 10)); // replaces 2 KB: still 2
    const again = ledger.put('state', big('a', 10)); // replaces a small item: 1
    const idem = ledger.put('idem', { id: { S: 'a' } });

    expect([first, smaller, again, idem]).toEqual([2, 2, 1, 1]);
    expect(ledger.units).toBe(6);
    expect(ledger.unitsByTable()).toEqual({ state: 5, idem: 1 });
  });

  it('prices an update by the larger of before and after, and remembers the new size', () => {
    const ledger = new WriteLedger({ state: ['pk'] });
    ledger.put('state', big('a', 100));

    expect(ledger.update('state', { pk: { S: 'a' } }, big('a', 3000))).toBe(3);
    expect(ledger.sizeOf('state', { pk: { S: 'a' } })).toBe(2 + 1 + 4 + 3000);
  });

  it('prices a failed condition by the stored item and leaves it as it was', () => {
    const ledger = new WriteLedger({ state: ['pk'] });
    ledger.put('state', big('a', 1500));

    expect(ledger.conditionFailed('state', big('a', 10))).toBe(2);
    expect(ledger.conditionFailed('state', big('b', 10))).toBe(1);
    expect(ledger.sizeOf('state', { pk: { S: 'a' } })).toBeGreaterThan(1500);
  });

  it('prices a delete by the item removed, and forgets it', () => {
    const ledger = new WriteLedger({ state: ['pk'] });
    ledger.put('state', big('a', 1500));

    expect(ledger.delete('state', { pk: { S: 'a' } })).toBe(2);
    expect(ledger.sizeOf('state', { pk: { S: 'a' } })).toBeUndefined();
  });

  it('refuses a table whose key it was not told', () => {
    expect(() => new WriteLedger({}).put('other', { pk: { S: 'a' } })).toThrow(/no key schema for table other/);
  });
});
