import type { PutRecordsRequestEntry, KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { chunkBySize, retryUntilDone } from '../../shared/adapters/batching';

/** PutRecords takes 500 records and 5 MiB a request. */
const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export interface ProducedRecord {
  readonly partitionKey: string;
  /** Puts the record on the shard whose hash key range holds it, whatever its partition key (a KPL aggregate: kpl-producer.ts). */
  readonly explicitHashKey?: string;
  readonly data: Buffer;
}

export interface ProduceResult {
  readonly put: number;
  readonly failed: ReadonlyArray<{ readonly partitionKey: string; readonly errorCode: string }>;
}

/**
 * Puts records with PutRecords, 500 at a time. A request can succeed while some of its entries fail
 * (throttled shards): only those entries are put again, with backoff, as AWS advises. What still
 * fails after the attempts is handed back, never dropped in silence.
 */
export async function putRecords(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly ProducedRecord[],
  onProgress?: (done: number) => void,
): Promise<ProduceResult> {
  let put = 0;
  const failed: Array<{ partitionKey: string; errorCode: string }> = [];
  const lastError = new Map<ProducedRecord, string>();
  for (const part of chunkBySize(records, MAX_RECORDS, MAX_BYTES, (r) => r.data.length + r.partitionKey.length)) {
    const left = await retryUntilDone(
      part,
      async (pending) => {
        const entries: PutRecordsRequestEntry[] = pending.map((r) => ({
          PartitionKey: r.partitionKey,
          ...(r.explicitHashKey === undefined ? {} : { ExplicitHashKey: r.explicitHashKey }),
          Data: r.data,
        }));
        const response = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
        const again: ProducedRecord[] = [];
        (response.Records ?? []).forEach((result, i) => {
          const record = pending[i];
          if (!record) return;
          if (result.ErrorCode) {
            lastError.set(record, result.ErrorCode);
            again.push(record);
          } else put++;
        });
        onProgress?.(put);
        return again;
      },
      { attempts: 8, baseDelayMs: 50 },
    );
    failed.push(...left.map((r) => ({ partitionKey: r.partitionKey, errorCode: lastError.get(r) ?? 'unknown' })));
  }
  return { put, failed };
}
