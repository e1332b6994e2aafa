import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { CheckpointStore, MappingSpec } from '../../local/runtime/types';
import { sqs } from './resources';

/** A queue of the test's own in the emulator, for on-failure destinations. */
export async function createQueue(label: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `rt-${label}-${randomUUID().slice(0, 8)}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.['QueueArn'] ?? '' };
}

/** Checkpoints held in memory, with every write kept in order (our port, not an AWS service). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly values = new Map<string, string>();
  readonly writes: string[] = [];
  async get(sourceArn: string, shardId: string): Promise<string | undefined> {
    return this.values.get(`${sourceArn}|${shardId}`);
  }
  async set(sourceArn: string, shardId: string, sequenceNumber: string): Promise<void> {
    this.values.set(`${sourceArn}|${shardId}`, sequenceNumber);
    this.writes.push(sequenceNumber);
  }
}

/** Stands for the function: records each event and answers what the test says (or throws). */
export class FakeFunction<E> {
  readonly events: E[] = [];
  constructor(private readonly respond: (event: E, call: number) => unknown = () => ({ batchItemFailures: [] })) {}

  readonly invoke = async (event: unknown): Promise<unknown> => {
    const copy = structuredClone(event) as E;
    this.events.push(copy);
    return this.respond(copy, this.events.length);
  };
}

/** A mapping with the tests' settings (batches of 10, partial batch responses, no limits); override what a test is about. */
export function testSpec(source: MappingSpec['source'], overrides: Partial<MappingSpec> = {}): MappingSpec {
  return {
    functionLogicalId: 'TestFunction',
    functionName: 'test-fn',
    source,
    batchSize: 10,
    maxBatchingWindowMs: 0,
    parallelizationFactor: 1,
    startingPosition: 'TRIM_HORIZON',
    bisectBatchOnError: false,
    reportBatchItemFailures: true,
    retryAttempts: -1,
    maxRecordAgeMs: -1,
    filterPatterns: [],
    ...overrides,
  };
}
