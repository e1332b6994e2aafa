import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDbMappingRunner } from './dynamodb/mapping-runner';
import { KinesisMappingRunner } from './kinesis/mapping-runner';
import type { MappingStats, StreamMappingRunner } from './kinesis/stream-mapping-runner';
import type { CheckpointStore, Invoke, MappingSpec } from './types';

export type { MappingStats } from './kinesis/stream-mapping-runner';

export interface CreateMappingRunnerOptions {
  readonly spec: MappingSpec;
  readonly invoke: Invoke;
  readonly checkpoints: CheckpointStore;
  /** The emulator (or any AWS endpoint) the source, the tables and the on-failure queue live in. */
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  /** Without them, the SDK's default chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Each line is prefixed with the function and its source. Default: stderr. */
  readonly log?: (line: string) => void;
  /** Wait between GetRecords calls on a caught-up shard (default 200 ms). */
  readonly pollIntervalMs?: number;
  /** How often the shards are listed again (default 5 s). */
  readonly shardDiscoveryMs?: number;
}

export interface MappingRunner {
  /** Polls until stop(); resolves then (rejects if the mapping cannot run, e.g. a table without a stream). */
  start(): Promise<void>;
  /** Stops polling; resolves once every shard's in-flight batch has finished and been checkpointed. */
  stop(): Promise<void>;
  /** Polls until no shard has returned records for `idleMs` and no batch is in flight or being retried, then stops. */
  runUntilIdle(options: { idleMs: number }): Promise<MappingStats>;
  stats(): MappingStats;
}

/**
 * The local stand-in for one Lambda event source mapping, Kinesis or DynamoDB Streams, with its own
 * SDK clients (HTTP/1.1: moto does not speak HTTP/2, which the Kinesis client would choose). The
 * clients are closed once the runner has stopped; a stopped runner cannot start again.
 */
export function createMappingRunner(options: CreateMappingRunnerOptions): MappingRunner {
  const { spec, invoke, checkpoints, endpoint, region, account, credentials, pollIntervalMs, shardDiscoveryMs } = options;
  const clientConfig = () => ({ endpoint, region, ...(credentials ? { credentials } : {}), requestHandler: new NodeHttpHandler() });
  const label = spec.source.kind === 'kinesis' ? spec.source.streamName : `${spec.source.tableName} (stream)`;
  const log = options.log;
  const sqs = new SQSClient(clientConfig());
  const settings = {
    spec,
    invoke,
    sqs,
    checkpoints,
    region,
    account,
    ...(log ? { log: (line: string) => log(`[${spec.functionName} ← ${label}] ${line}`) } : {}),
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
    ...(shardDiscoveryMs !== undefined ? { shardDiscoveryMs } : {}),
  };
  const clients: Array<{ destroy(): void }> = [sqs];
  let runner: StreamMappingRunner;
  if (spec.source.kind === 'kinesis') {
    const kinesis = new KinesisClient(clientConfig());
    clients.push(kinesis);
    runner = new KinesisMappingRunner({ ...settings, kinesis });
  } else {
    const dynamodb = new DynamoDBClient(clientConfig());
    const streams = new DynamoDBStreamsClient(clientConfig());
    clients.push(dynamodb, streams);
    runner = new DynamoDbMappingRunner({ ...settings, dynamodb, streams });
  }

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const client of clients) client.destroy();
  };
  // Every way a runner ends (stop, idle, failure) passes through one of these promises.
  const closing = <T>(running: Promise<T>): Promise<T> => running.finally(close);
  return {
    start: () => closing(runner.start()),
    stop: () => closing(runner.stop()),
    runUntilIdle: (o) => closing(runner.runUntilIdle(o)),
    stats: () => runner.stats(),
  };
}
