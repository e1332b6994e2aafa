import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { emulatorClientConfig } from '../local/clients';
import { startMotoServer } from '../local/moto-server';
import { KIND_NAMES } from '../shared/kinds/names';
import { DEFAULT_RULES } from '../shared/domain/rules-config';
import { CommitMode } from '../shared/state/store';
import { lambdaContext } from '../test/support/kinesis-events';
import { createBaselineHandler } from './baseline';
import type { MeterReading } from './dynamodb-meter';
import { DynamoDBMeter } from './dynamodb-meter';
import { createOurHandler } from './ours';
import { countItems, createBaselineTables, createOurTables, keySchemas } from './tables';
import type { Workload } from './workload';

export const Side = { baseline: 'baseline', conditional: CommitMode.conditional, singleWriter: CommitMode.singleWriter } as const;
export type Side = (typeof Side)[keyof typeof Side];

export interface SideResult {
  readonly side: Side;
  /** Records delivered (producer duplicates included) and distinct events among them. */
  readonly events: number;
  readonly distinct: number;
  readonly wallMs: number;
  readonly meter: MeterReading;
  /** Records Lambda would have delivered again after a partial batch failure (0 when all went well). */
  readonly redelivered: number;
  /** Decision items found after the run: must equal `distinct`. */
  readonly decisionsStored: number;
}

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const MAX_ATTEMPTS = 10;

/**
 * One side of the comparison on an emulator of its own (a fresh moto server, empty tables): the
 * workload's batches are delivered in order, as Lambda delivers one shard's, and a partial batch
 * failure is delivered again from its lowest failed record. Only the handler's DynamoDB client is
 * metered; creating the tables and checking the result afterwards use another client.
 */
export async function runSide(side: Side, workload: Workload): Promise<SideResult> {
  const emulator = await startMotoServer();
  try {
    const config = emulatorClientConfig(emulator.endpoint);
    const admin = new DynamoDBClient(config);
    const prefix = `bench-${side}`;
    let handler: Handler;
    let meter: DynamoDBMeter;
    let stateTable: string;
    if (side === Side.baseline) {
      const tables = await createBaselineTables(admin, prefix);
      meter = new DynamoDBMeter(keySchemas(tables));
      const client = new DynamoDBClient(config);
      meter.attach(client);
      handler = createBaselineHandler({ client, ...tables, rules: DEFAULT_RULES });
      stateTable = tables.stateTable;
    } else {
      const tables = await createOurTables(admin, new SQSClient(config), prefix);
      const ours = createOurHandler(tables, side, emulator.endpoint);
      meter = new DynamoDBMeter(keySchemas(tables));
      meter.attach(ours.deps.dynamodb);
      handler = ours.handler;
      stateTable = tables.stateTable;
    }

    const started = performance.now();
    let redelivered = 0;
    for (const batch of workload.batches) redelivered += await deliver(handler, batch, side);
    const wallMs = performance.now() - started;

    return {
      side,
      events: workload.records.length,
      distinct: workload.distinct,
      wallMs,
      meter: meter.read(),
      redelivered,
      decisionsStored: await countItems(admin, stateTable, KIND_NAMES.transaction.record.prefix),
    };
  } finally {
    await emulator.stop();
  }
}

/** Lambda's side of a partial batch response; returns how many records were delivered again. */
async function deliver(handler: Handler, batch: readonly KinesisStreamRecord[], name: string): Promise<number> {
  let pending = [...batch];
  let again = 0;
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let failed: bigint[];
    try {
      const response = await handler({ Records: pending }, lambdaContext(name));
      failed = response.batchItemFailures.map((f) => BigInt(f.itemIdentifier));
    } catch (error) {
      lastError = error;
      failed = pending.map((r) => BigInt(r.kinesis.sequenceNumber)); // the whole batch failed
    }
    if (failed.length === 0) return again;
    const lowest = failed.reduce((a, b) => (a < b ? a : b));
    pending = pending.filter((r) => BigInt(r.kinesis.sequenceNumber) >= lowest);
    again += pending.length;
  }
  throw new Error(`${name}: a batch still failed after ${MAX_ATTEMPTS} deliveries`, { cause: lastError });
}
