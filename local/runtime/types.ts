/**
 * The local runtime: where no Lambda service exists (moto), it runs the deployed functions
 * in-process, fed from their event sources with the settings of the event source mappings that the
 * default (AWS) synth defines. On LocalStack with Docker, or on AWS, the real service does this.
 */

/** One event source mapping, as the synthesized template defines it (AWS::Lambda::EventSourceMapping). */
export interface MappingSpec {
  /** Logical id of the function in the template, and its deployed name. */
  readonly functionLogicalId: string;
  readonly functionName: string;
  readonly source: KinesisSource | DynamoDbStreamSource;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly parallelizationFactor: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** -1: retry until the record expires (Lambda's default). */
  readonly retryAttempts: number;
  /** -1: no limit (Lambda's default: the stream's retention). */
  readonly maxRecordAgeMs: number;
  /** The on-failure destination, an SQS queue ARN. */
  readonly onFailureQueueArn?: string;
  /** FilterCriteria patterns (JSON strings, Lambda's event filtering syntax). */
  readonly filterPatterns: readonly string[];
}

export interface KinesisSource {
  readonly kind: 'kinesis';
  readonly streamName: string;
  readonly streamArn: string;
}

export interface DynamoDbStreamSource {
  readonly kind: 'dynamodb';
  readonly tableName: string;
}

/** What a mapping hands the function, and what comes back: Lambda's own shapes. */
export type Invoke = (event: unknown) => Promise<unknown>;

/** Where each shard's reader stands, so a restart resumes instead of starting over. */
export interface CheckpointStore {
  /** The last sequence number whose record was fully handled (processed, or sent to the on-failure destination). */
  get(sourceArn: string, shardId: string): Promise<string | undefined>;
  set(sourceArn: string, shardId: string, sequenceNumber: string): Promise<void>;
}
