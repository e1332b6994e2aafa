import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisStreamSource } from './kinesis-source';
import type { StreamMappingRunnerSettings } from './stream-mapping-runner';
import { StreamMappingRunner } from './stream-mapping-runner';

export type { MappingStats } from './stream-mapping-runner';

export interface KinesisMappingRunnerOptions extends StreamMappingRunnerSettings {
  readonly kinesis: KinesisClient;
}

/**
 * Plays Lambda's event source mapping for one Kinesis mapping (see StreamMappingRunner): polls every
 * shard, batches, filters, invokes, and honours the mapping's retry, bisect, partial-response,
 * record-age and on-failure settings, checkpointing per shard so a restart resumes.
 */
export class KinesisMappingRunner extends StreamMappingRunner {
  constructor(options: KinesisMappingRunnerOptions) {
    const { spec, kinesis, region, account } = options;
    if (spec.source.kind !== 'kinesis') throw new Error(`${spec.functionLogicalId}: not a Kinesis mapping`);
    super({
      ...options,
      source: new KinesisStreamSource({ kinesis, source: spec.source, functionName: spec.functionName, region, account }),
    });
  }
}
