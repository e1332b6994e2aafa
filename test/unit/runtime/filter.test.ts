import { matchesFilter } from '../../../local/runtime/kinesis/filter';

describe('matchesFilter (Lambda event filtering)', () => {
  const insert = { eventName: 'INSERT', dynamodb: { NewImage: { kind: { S: 'fraud' }, severity: { S: 'critical' } } } };

  it('matches exact values listed for a key, as alternatives', () => {
    expect(matchesFilter(insert, '{"eventName": ["INSERT"]}')).toBe(true);
    expect(matchesFilter(insert, '{"eventName": ["MODIFY", "INSERT"]}')).toBe(true);
    expect(matchesFilter(insert, '{"eventName": ["MODIFY", "REMOVE"]}')).toBe(false);
  });

  it('requires every key of the pattern (AND), nested objects included', () => {
    expect(matchesFilter(insert, '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["fraud"]}}}}')).toBe(true);
    expect(matchesFilter(insert, '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["sensor"]}}}}')).toBe(false);
    expect(matchesFilter(insert, '{"dynamodb": {"OldImage": {"kind": {"S": ["fraud"]}}}}')).toBe(false);
  });

  it('compares types exactly: numbers, booleans, null and empty strings', () => {
    const data = { amount: 2500, flagged: false, note: null, tag: '' };
    expect(matchesFilter(data, '{"amount": [2500]}')).toBe(true);
    expect(matchesFilter(data, '{"amount": ["2500"]}')).toBe(false);
    expect(matchesFilter(data, '{"flagged": [false]}')).toBe(true);
    expect(matchesFilter(data, '{"note": [null]}')).toBe(true);
    expect(matchesFilter(data, '{"tag": [""]}')).toBe(true);
    expect(matchesFilter({}, '{"note": [null]}')).toBe(false);
  });

  it('matches an array value when one of its elements matches', () => {
    expect(matchesFilter({ tags: ['a', 'b'] }, '{"tags": ["b"]}')).toBe(true);
    expect(matchesFilter({ tags: ['a', 'b'] }, '{"tags": ["c"]}')).toBe(false);
  });

  it('matches the parsed payload under data, for Kinesis', () => {
    const record = { partitionKey: 'user-1', data: { order: { type: 'buy', quantity: 1000 } } };
    expect(matchesFilter(record, '{"data": {"order": {"type": ["buy"]}}}')).toBe(true);
    expect(matchesFilter(record, '{"data": {"order": {"type": ["sell"]}}}')).toBe(false);
    expect(matchesFilter({ partitionKey: 'user-1' }, '{"data": {"order": {"type": ["buy"]}}}')).toBe(false);
  });

  it('supports prefix, exists, anything-but and numeric rules', () => {
    const data = { id: 'txn-1', amount: 250 };
    expect(matchesFilter(data, '{"id": [{"prefix": "txn-"}]}')).toBe(true);
    expect(matchesFilter(data, '{"id": [{"prefix": "rd-"}]}')).toBe(false);
    expect(matchesFilter(data, '{"amount": [{"exists": true}]}')).toBe(true);
    expect(matchesFilter(data, '{"missing": [{"exists": false}]}')).toBe(true);
    expect(matchesFilter(data, '{"missing": [{"exists": true}]}')).toBe(false);
    expect(matchesFilter(data, '{"id": [{"anything-but": ["txn-2"]}]}')).toBe(true);
    expect(matchesFilter(data, '{"id": [{"anything-but": "txn-1"}]}')).toBe(false);
    expect(matchesFilter(data, '{"amount": [{"numeric": [">=", 100, "<", 1000]}]}')).toBe(true);
    expect(matchesFilter(data, '{"amount": [{"numeric": [">", 250]}]}')).toBe(false);
  });

  it('refuses what it does not implement rather than guessing', () => {
    expect(() => matchesFilter({ a: 'x' }, '{"a": [{"suffix": "x"}]}')).toThrow(/unsupported filter rule/);
    expect(() => matchesFilter({ a: 'x' }, '{"a": "x"}')).toThrow(/needs an array of rules/);
    expect(() => matchesFilter({ a: 'x' }, '["a"]')).toThrow(/must be a JSON object/);
  });
});
