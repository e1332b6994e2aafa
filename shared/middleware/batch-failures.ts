import type { KinesisStreamBatchResponse } from 'aws-lambda';

/**
 * Adds failed sequence numbers to a partial batch response, ordered by sequence number (compared as
 * integers: they are longer than a double holds). Lambda restarts from the lowest one it is given.
 */
export function withFailures(response: KinesisStreamBatchResponse | null, sequenceNumbers: readonly string[]): KinesisStreamBatchResponse {
  const ids = new Set([...(response?.batchItemFailures ?? []).map((f) => f.itemIdentifier), ...sequenceNumbers]);
  const sorted = [...ids].sort((a, b) => {
    const d = BigInt(a) - BigInt(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
  return { batchItemFailures: sorted.map((itemIdentifier) => ({ itemIdentifier })) };
}
