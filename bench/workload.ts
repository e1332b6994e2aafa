import type { KinesisStreamRecord } from 'aws-lambda';
import { takeTraffic } from '../local/traffic/generator';
import { seededRandom } from '../local/traffic/random';

export interface WorkloadOptions {
  /** Records delivered, producer duplicates included. */
  readonly events: number;
  readonly users: number;
  /** Share of distinct events the producer puts a second time. */
  readonly duplicateRate: number;
  readonly batchSize: number;
  readonly seed: number;
}

export interface Workload {
  readonly options: WorkloadOptions;
  readonly distinct: number;
  readonly duplicates: number;
  readonly records: readonly KinesisStreamRecord[];
  /** The transaction id of each record. */
  readonly ids: readonly string[];
  readonly batches: ReadonlyArray<readonly KinesisStreamRecord[]>;
}

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/transactions';
const SHARD_ID = 'shardId-000000000000';
/** How far back a repeated put lands: most right after the first, the rest up to this many records later. */
const LATE_REPEAT_SPAN = 500;

/**
 * The generator's labelled transactions (users behaving normally plus anomaly scenarios), a share
 * of them put twice by the producer (half right after the first put, half up to a few batches
 * later), on one shard in put order, partitioned by user, cut into Lambda batches. Arrival times
 * follow the event times, so no event is dated after its arrival.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  // As many distinct events as records (enough even if no repeat were drawn); the cut below keeps
  // the first `events` of the stream. Anomaly scenarios also emit readings: those are left out.
  const traffic = takeTraffic(Math.ceil(options.events * 1.1) + 20, {
    seed: options.seed,
    users: options.users,
    transactionShare: 1,
    idPrefix: `bench${options.seed}`,
  })
    .filter((e) => e.kind === 'transaction')
    .slice(0, options.events);
  const rnd = seededRandom(options.seed + 1);
  const placed = traffic.map((e, i) => ({ at: i, event: e.event, partitionKey: e.partitionKey }));
  for (let i = 0; i < traffic.length; i++) {
    if (rnd() >= options.duplicateRate) continue;
    const offset = rnd() < 0.5 ? 0.5 : 1 + Math.floor(rnd() * LATE_REPEAT_SPAN) + 0.25;
    const first = placed[i];
    if (first) placed.push({ ...first, at: i + offset });
  }
  placed.sort((a, b) => a.at - b.at);
  const stream = placed.slice(0, options.events);

  let sequence = 49_650_000_000_000_000_000_000_000_000_000_000_000_000_000n;
  let latestEventTime = 0;
  const records = stream.map(({ event, partitionKey }): KinesisStreamRecord => {
    sequence += 1_000n;
    latestEventTime = Math.max(latestEventTime, Date.parse(String(event['timestamp'])));
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey,
        sequenceNumber: sequence.toString(),
        data: Buffer.from(JSON.stringify(event)).toString('base64'),
        approximateArrivalTimestamp: latestEventTime / 1000 + 1,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${SHARD_ID}:${sequence}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
    };
  });
  return assemble(
    options,
    records,
    stream.map((s) => String(s.event['transactionId'])),
  );
}

/** The first `events` records of a workload, as a workload of their own. */
export function firstRecords(workload: Workload, events: number): Workload {
  if (events >= workload.records.length) return workload;
  return assemble({ ...workload.options, events }, workload.records.slice(0, events), workload.ids.slice(0, events));
}

function assemble(options: WorkloadOptions, records: readonly KinesisStreamRecord[], ids: readonly string[]): Workload {
  const distinct = new Set(ids).size;
  const batches: Array<readonly KinesisStreamRecord[]> = [];
  for (let i = 0; i < records.length; i += options.batchSize) batches.push(records.slice(i, i + options.batchSize));
  return { options, distinct, duplicates: records.length - distinct, records, ids, batches };
}
