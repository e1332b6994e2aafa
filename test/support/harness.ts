import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { scoringDepsFromEnv } from '../../shared/handler/scoring-from-env';
import { createScoringHandler } from '../../shared/handler/scoring-handler';
import { kinesisEvent, lambdaContext } from './kinesis-events';

/**
 * A scoring function wired exactly as functions/score/handler.ts wires it (same factory, same
 * environment variables, EVENT_KIND as the stack sets it for this function), but with an environment
 * of the test's choosing, so several can run side by side against different tables or commit modes.
 */
export function scoringFunction(name: 'score-transactions' | 'score-readings', env: NodeJS.ProcessEnv) {
  const eventKind = name === 'score-transactions' ? 'transaction' : 'reading';
  const deps = scoringDepsFromEnv({ POWERTOOLS_LOG_LEVEL: 'SILENT', EVENT_KIND: eventKind, ...env }, name);
  const handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> = createScoringHandler(deps);
  return {
    deps,
    invoke: (records: readonly KinesisStreamRecord[]): Promise<KinesisStreamBatchResponse> =>
      handler(kinesisEvent(records), lambdaContext(name)),
  };
}

/** Lambda's side of a partial batch response: the records from the lowest failed one on are sent again. */
export function retryFrom(records: readonly KinesisStreamRecord[], response: KinesisStreamBatchResponse): KinesisStreamRecord[] {
  const failed = response.batchItemFailures.map((f) => BigInt(f.itemIdentifier));
  if (failed.length === 0) return [];
  const lowest = failed.reduce((a, b) => (a < b ? a : b));
  return records.filter((r) => BigInt(r.kinesis.sequenceNumber) >= lowest);
}
