import { readResponse } from '../runtime/kinesis/lambda-batch';
import type { ReadRecord } from '../runtime/kinesis/stream-source';
import type { Invoke, MappingSpec } from '../runtime/types';

/** How one replayed batch went, by Lambda's rules for the function's answer (lambda-batch.ts). */
export interface ReplayOutcome {
  /** The sequence numbers the function reported failed, or every record's when the batch failed whole. */
  readonly failed: ReadonlySet<string>;
  /** Set when the function threw (a function error): its message. */
  readonly error?: string;
}

/**
 * Hands the function one Lambda-shaped batch of records (`{ Records: [...] }`, as the mapping sends
 * it) and reads its partial batch response. All records of a batch must come from one shard: the item
 * identifiers are sequence numbers, which only a shard makes unique.
 */
export async function replayBatch(invoke: Invoke, spec: MappingSpec, batch: readonly ReadRecord[]): Promise<ReplayOutcome> {
  const all = new Set(batch.map((r) => r.sequenceNumber));
  let response: unknown;
  try {
    response = await invoke({ Records: batch.map((r) => r.event) });
  } catch (error) {
    return { failed: all, error: `${(error as Error).name}: ${(error as Error).message}` };
  }
  const outcome = readResponse(response, batch, spec.reportBatchItemFailures);
  if (outcome.kind === 'success') return { failed: new Set() };
  if (outcome.kind === 'failed') return { failed: all };
  // A valid partial response: every identifier names a record of the batch (readResponse checked).
  const reported = (response as { batchItemFailures: Array<{ itemIdentifier: string }> }).batchItemFailures;
  return { failed: new Set(reported.map((f) => f.itemIdentifier)) };
}

/** `records` in pieces of at most `size`. */
export function chunks<T>(records: readonly T[], size: number): T[][] {
  const pieces: T[][] = [];
  for (let i = 0; i < records.length; i += Math.max(1, size)) pieces.push(records.slice(i, i + Math.max(1, size)));
  return pieces;
}

/** Oldest first, comparing sequence numbers as numbers. */
export function bySequence<T extends { readonly sequenceNumber: string }>(a: T, b: T): number {
  const x = BigInt(a.sequenceNumber);
  const y = BigInt(b.sequenceNumber);
  return x < y ? -1 : x > y ? 1 : 0;
}
