import { itemSize, numberSize, significantDigits, valueSize, writeCost, writeUnits } from '../../../bench/item-size';

describe('DynamoDB item size', () => {
  it('counts a string by its UTF-8 bytes and the attribute name with it', () => {
    expect(itemSize({ pk: { S: 'user#1' } })).toBe(2 + 6);
    expect(itemSize({ name: { S: 'Zürich' } })).toBe(4 + 7); // ü is two bytes
  });

  it('counts a number as one byte per two significant digits plus one, zeros trimmed', () => {
    expect(significantDigits('12345')).toBe(5);
    expect(significantDigits('-0012.3400')).toBe(4);
    expect(significantDigits('1000000')).toBe(1);
    expect(significantDigits('0')).toBe(1);
    expect(significantDigits('1.5e+21')).toBe(2);
    expect(numberSize('12345')).toBe(4);
    expect(numberSize('7')).toBe(2);
    expect(itemSize({ n: { N: '1777118400' } })).toBe(1 + 5); // 17771184: 8 digits
  });

  it('counts binary by raw bytes, booleans and nulls as one byte', () => {
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(valueSize({ BOOL: false })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
  });

  it('gives a list or map 3 bytes, and each element 1 byte more (a map element also its name)', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { count: { N: '12' }, ids: { L: [{ S: 'abc' }] } } })).toBe(3 + (1 + 5 + 2) + (1 + 3 + (3 + 1 + 3)));
  });

  it('counts a set as the sum of its members', () => {
    expect(valueSize({ SS: ['a', 'bc'] })).toBe(3);
    expect(valueSize({ NS: ['1', '12345'] })).toBe(2 + 4);
  });

  it('refuses a value of no known type', () => {
    expect(() => valueSize({} as never)).toThrow(/unknown DynamoDB attribute value type/);
  });
});

describe('DynamoDB write units', () => {
  it('charges one unit per started KB, at least one', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(2500)).toBe(3);
  });

  it('charges a put or update by the larger of the item before and after it', () => {
    expect(writeCost({ before: undefined, after: 300 })).toBe(1);
    expect(writeCost({ before: 3000, after: 300 })).toBe(3);
    expect(writeCost({ before: 300, after: 2100 })).toBe(3);
  });

  it('charges a delete by the item it removes, and a failed condition by the item that is there', () => {
    expect(writeCost({ before: 2100, after: undefined })).toBe(3);
    expect(writeCost({ before: undefined, after: undefined })).toBe(1);
    expect(writeCost({ before: 5000, after: 300, conditionFailed: true })).toBe(5);
    expect(writeCost({ before: undefined, after: 9000, conditionFailed: true })).toBe(1);
  });
});
