import { buildWorkload, firstRecords } from '../../../bench/workload';

const options = { events: 1000, users: 200, duplicateRate: 0.05, batchSize: 100, seed: 3 };

function decode(data: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>;
}

describe('bench workload', () => {
  const workload = buildWorkload(options);

  it('delivers the asked number of records, about the asked share of them repeats, in batches', () => {
    expect(workload.records).toHaveLength(1000);
    expect(workload.duplicates).toBe(1000 - workload.distinct);
    expect(workload.duplicates).toBeGreaterThan(25);
    expect(workload.duplicates).toBeLessThan(80);
    expect(workload.batches.map((b) => b.length)).toEqual(Array(10).fill(100));
  });

  it('is the same on every build with the same seed', () => {
    expect(buildWorkload(options).records.map((r) => r.kinesis.data)).toEqual(workload.records.map((r) => r.kinesis.data));
  });

  it('holds valid-looking transactions, partitioned by user, never dated after their arrival, in sequence order', () => {
    const sequences = workload.records.map((r) => BigInt(r.kinesis.sequenceNumber));
    for (const [i, record] of workload.records.entries()) {
      const event = decode(record.kinesis.data);
      expect(record.kinesis.partitionKey).toBe(event['userId']);
      expect(Date.parse(String(event['timestamp']))).toBeLessThanOrEqual(record.kinesis.approximateArrivalTimestamp * 1000);
      if (i > 0) expect(sequences[i]! > sequences[i - 1]!).toBe(true);
    }
  });

  it('cuts a prefix into a workload of its own', () => {
    const prefix = firstRecords(workload, 250);

    expect(prefix.records).toEqual(workload.records.slice(0, 250));
    expect(prefix.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(prefix.distinct).toBe(new Set(workload.ids.slice(0, 250)).size);
    expect(firstRecords(workload, 5000)).toBe(workload);
  });
});
