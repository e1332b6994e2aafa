import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HistoryRange, HistoryRecord, HistoryStreams } from '../../local/backtest/stream-history';
import { openStackStreams, streamHistory } from '../../local/backtest/stream-history';
import type { DeployRecord } from '../../local/deploy';
import { recordPath } from '../../local/deploy';
import { startFaultProxy } from '../../local/faults/fault-proxy';
import { NotDeployedError } from '../../local/runtime/runtime';

const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
// moto speaks HTTP/1.1 only; the Kinesis client would default to HTTP/2.
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });

async function createStream(label: string, shards: number): Promise<string> {
  const name = `history-${label}-${randomUUID().slice(0, 8)}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary?.StreamStatus === 'ACTIVE') return name;
    await sleep(100);
  }
}

/** Puts `texts` in one PutRecords call, each under its own partition key; the shards they went to. */
async function put(stream: string, texts: readonly string[]): Promise<string[]> {
  const { Records = [] } = await kinesis.send(
    new PutRecordsCommand({ StreamName: stream, Records: texts.map((text) => ({ Data: Buffer.from(text), PartitionKey: text })) }),
  );
  return Records.map((r) => r.ShardId ?? '');
}

const textOf = (record: HistoryRecord) => Buffer.from(record.data).toString();

async function readAll(streams: HistoryStreams, range: HistoryRange = {}, client = kinesis): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const record of streamHistory(client, streams, range)) records.push(record);
  return records;
}

/** The group of a record's text: `A` of `A:t3`. */
const groupOf = (record: HistoryRecord) => textOf(record).split(':')[0];

describe('streamHistory', () => {
  /** Four groups, put one after the other with a pause between, alternating the streams. */
  const groups = {
    A: Array.from({ length: 8 }, (_, i) => `A:t${i}`),
    B: Array.from({ length: 3 }, (_, i) => `B:r${i}`),
    C: Array.from({ length: 8 }, (_, i) => `C:t${i}`),
    D: Array.from({ length: 2 }, (_, i) => `D:r${i}`),
  };
  const everything = Object.values(groups).flat();
  let streams: HistoryStreams;
  let transactionShards: Set<string>;

  beforeAll(async () => {
    streams = { transactions: await createStream('transactions', 2), readings: await createStream('readings', 1) };
    // A pause between groups: every record of a group arrives in a later millisecond than the group before.
    const a = await put(streams.transactions, groups.A);
    await sleep(50);
    await put(streams.readings, groups.B);
    await sleep(50);
    const c = await put(streams.transactions, groups.C);
    await sleep(50);
    await put(streams.readings, groups.D);
    transactionShards = new Set([...a, ...c]);
  });

  it('reads every record of both streams once, merged by arrival across shards and streams', async () => {
    expect(transactionShards.size).toBe(2); // the merge must have two shards of one stream to merge
    const progress: number[] = [];
    const records: HistoryRecord[] = [];
    for await (const record of streamHistory(kinesis, streams, {}, (read) => progress.push(read))) records.push(record);

    expect(records.map(textOf).sort()).toEqual([...everything].sort());
    expect(records.map(groupOf)).toEqual(everything.map((text) => text.split(':')[0]));
    const arrivals = records.map((r) => r.arrival);
    expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y));
    for (const shardId of transactionShards) {
      const sequence = records.filter((r) => r.stream === 'transactions' && r.shardId === shardId).map((r) => BigInt(r.sequenceNumber));
      expect(sequence).toEqual([...sequence].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    expect(records.filter((r) => r.stream === 'readings').map(textOf)).toEqual([...groups.B, ...groups.D]);
    expect(progress.at(-1)).toBe(records.length);
  });

  it('keeps to since and until, both included', async () => {
    const all = await readAll(streams);
    const firstOf = (group: string) => all.find((r) => groupOf(r) === group)?.arrival ?? 0;
    const lastOf = (group: string) => all.filter((r) => groupOf(r) === group).at(-1)?.arrival ?? 0;

    const middle = await readAll(streams, { since: new Date(firstOf('B')), until: new Date(lastOf('C')) });
    expect(middle.map(textOf)).toEqual(all.filter((r) => ['B', 'C'].includes(groupOf(r) ?? '')).map(textOf));
    const fromC = await readAll(streams, { since: new Date(firstOf('C')) });
    expect(fromC.map(groupOf)).toEqual([...groups.C, ...groups.D].map((text) => text.split(':')[0]));
    const toB = await readAll(streams, { until: new Date(lastOf('B')) });
    expect(toB.map(groupOf)).toEqual([...groups.A, ...groups.B].map((text) => text.split(':')[0]));
    expect(await readAll(streams, { since: new Date(lastOf('D') + 1) })).toEqual([]);
    expect(await readAll(streams, { since: new Date(firstOf('C')), until: new Date(lastOf('B')) })).toEqual([]);
  });

  it('yields nothing from empty streams', async () => {
    const empty = { transactions: await createStream('empty-transactions', 2), readings: await createStream('empty-readings', 1) };
    expect(await readAll(empty)).toEqual([]);
  }, 30_000); // open shards: a read that waited for more records would never end

  it('ends on open shards being written to, without the records that arrive after it started', async () => {
    const live = { transactions: await createStream('live-transactions', 2), readings: await createStream('live-readings', 1) };
    await put(live.transactions, ['before:t0', 'before:t1']);
    await put(live.readings, ['before:r0']);
    let writing = true;
    const puts: Array<{ readonly text: string; readonly at: number }> = [];
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const text = `during:${n}`;
        puts.push({ text, at: Date.now() });
        await put(n % 2 === 0 ? live.transactions : live.readings, [text]);
        await sleep(5);
      }
    })();
    try {
      const records: HistoryRecord[] = [];
      let firstTaken = 0;
      for await (const record of streamHistory(kinesis, live, {})) {
        if (records.push(record) === 1) {
          firstTaken = Date.now();
          await sleep(300); // the writer goes on; the shards' next pages would hold its records
        }
      }
      const late = puts.filter((p) => p.at > firstTaken).map((p) => p.text);
      expect(late.length).toBeGreaterThan(10);
      expect(records.map(textOf)).toEqual(expect.arrayContaining(['before:t0', 'before:t1', 'before:r0']));
      expect(records.map(textOf).filter((text) => late.includes(text))).toEqual([]);
    } finally {
      writing = false;
      await writer;
    }
  }, 30_000);

  it('reads a shard closed by a reshard', async () => {
    const stream = await createStream('reshard', 1);
    await put(stream, ['P:0', 'P:1', 'P:2']);
    const [parent] = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    const { StartingHashKey = '0', EndingHashKey = '0' } = parent?.HashKeyRange ?? {};
    const half = (BigInt(StartingHashKey) + BigInt(EndingHashKey)) / 2n;
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent?.ShardId, NewStartingHashKey: String(half) }));
    // moto 5.2.1 closes the parent but keeps its records there (and keeps writing to it).
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    expect(shards.filter((s) => s.ParentShardId === parent?.ShardId)).toHaveLength(2);
    expect(shards.find((s) => s.ShardId === parent?.ShardId)?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();

    const records = await readAll({ transactions: stream, readings: await createStream('reshard-readings', 1) });
    expect(records.map(textOf).sort()).toEqual(['P:0', 'P:1', 'P:2']);
  });

  it('retries throttled calls until every record is read', async () => {
    const proxy = await startFaultProxy({
      target: endpoint,
      seed: 7,
      faults: { throttle: 0.3 },
      matches: (request) => request.target.startsWith('Kinesis_20131202.'),
    });
    // One attempt a call: every throttle reaches streamHistory's own retries, none is absorbed by the SDK's.
    const throttled = new KinesisClient({ endpoint: proxy.url, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    try {
      const records = await readAll(streams, {}, throttled);
      expect(proxy.stats().injected.throttle).toBeGreaterThan(3);
      expect(records.map(textOf)).toEqual((await readAll(streams)).map(textOf));
    } finally {
      throttled.destroy();
      await proxy.close();
    }
  });

  describe('openStackStreams', () => {
    const stack = `StreamHistoryTest${Date.now().toString(36)}`;
    afterAll(() => rmSync(recordPath(stack), { force: true }));

    it("opens the streams named in a stack's deploy record", async () => {
      const record: DeployRecord = {
        endpoint,
        templateHash: 'test',
        outputs: { TransactionsStreamName: streams.transactions, ReadingsStreamName: streams.readings },
      };
      mkdirSync(dirname(recordPath(stack)), { recursive: true });
      writeFileSync(recordPath(stack), JSON.stringify(record));
      const opened = await openStackStreams(stack);
      try {
        expect(opened.streams).toEqual(streams);
        expect((await readAll(opened.streams, {}, opened.client)).map(textOf).sort()).toEqual([...everything].sort());
      } finally {
        opened.destroy();
      }
    });

    it('refuses a stack not deployed from here', async () => {
      await expect(openStackStreams(`${stack}Missing`)).rejects.toThrow(NotDeployedError);
    });
  });
});
