import type { Invoke } from '../runtime/types';
import { seededRandom } from '../traffic/random';

/**
 * Lambda's own delivery faults, played around a function's invocations (the local runtime's
 * `invokeThrough`): what a stream event source mapping does to a function when invocations fail
 * or answers are lost. Each is drawn per invocation with a seeded RNG, and each happens *after*
 * the function has run, so its writes are already done when the batch comes again:
 *  - `replayWhole`: the batch is delivered again, whole (the answer to the first delivery was lost);
 *  - `bisect`: the invocation ends in a function error (a timeout after the writes, say); with
 *    BisectBatchOnFunctionError the mapping splits the batch in two and retries each half;
 *  - `retryFrom`: one record (not the first) is reported failed in `batchItemFailures`, so the
 *    mapping retries the batch from that record on.
 */
export interface DeliveryFaultRates {
  readonly replayWhole?: number;
  readonly bisect?: number;
  readonly retryFrom?: number;
}

export interface DeliveryFaultStats {
  readonly invocations: number;
  readonly replayedWhole: number;
  readonly bisected: number;
  readonly retriedFrom: number;
}

export class InjectedFunctionError extends Error {
  override readonly name = 'InjectedFunctionError';
}

export interface DeliveryFaults {
  /** Give this to the local runtime as `invokeThrough`. */
  readonly wrap: (functionName: string, invoke: Invoke) => Invoke;
  stats(): DeliveryFaultStats;
}

type StreamRecord = { readonly kinesis?: { readonly sequenceNumber?: string }; readonly dynamodb?: { readonly SequenceNumber?: string } };

export function deliveryFaults(
  rates: DeliveryFaultRates,
  seed: number,
  applies: (functionName: string) => boolean = () => true,
): DeliveryFaults {
  const random = seededRandom(seed);
  const counts = { invocations: 0, replayedWhole: 0, bisected: 0, retriedFrom: 0 };
  const { replayWhole = 0, bisect = 0, retryFrom = 0 } = rates;

  const wrap =
    (functionName: string, invoke: Invoke): Invoke =>
    async (event) => {
      counts.invocations++;
      const records = ((event as { Records?: StreamRecord[] } | null)?.Records ?? []) as StreamRecord[];
      const r = applies(functionName) ? random() : 1;
      const result = await invoke(event);
      if (r < replayWhole) {
        counts.replayedWhole++;
        return invoke(event);
      }
      if (records.length < 2) return result;
      if (r < replayWhole + bisect) {
        counts.bisected++;
        throw new InjectedFunctionError(`${functionName}: the invocation failed after the function ran (${records.length} records)`);
      }
      if (r < replayWhole + bisect + retryFrom) {
        const index = 1 + Math.floor(random() * (records.length - 1));
        const record = records[index];
        const sequenceNumber = record?.kinesis?.sequenceNumber ?? record?.dynamodb?.SequenceNumber;
        if (sequenceNumber === undefined) return result;
        counts.retriedFrom++;
        const reported = (result as { batchItemFailures?: Array<{ itemIdentifier: string }> } | null)?.batchItemFailures ?? [];
        return { batchItemFailures: [...reported, { itemIdentifier: sequenceNumber }] };
      }
      return result;
    };
  return { wrap, stats: () => ({ ...counts }) };
}
