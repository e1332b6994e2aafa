import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import type { Validation } from '../domain/events';
import { describeError } from '../errors';
import type { TimedEvent } from '../kinesis/records';
import type { ShardRangeOf } from '../kinesis/shard-ranges';
import type { ScoringEvent } from '../middleware/kinesis-decoder';
import { kinesisDecoder } from '../middleware/kinesis-decoder';
import { quarantineRejected } from '../middleware/quarantine-rejected';
import type { Logger, Metrics } from '../observability/telemetry';
import { MetricName, MetricUnit } from '../observability/telemetry';
import type { Quarantine } from '../quarantine/quarantine';

/** What every function on an input stream (the scorers, join-orders) is given to read its records. */
export interface KinesisFunctionDeps {
  /** Names the function in each quarantined message. */
  readonly name: string;
  readonly quarantine: Quarantine;
  readonly maxRecordBytes: number;
  readonly maxFutureSkewMs: number;
  /** Older events (from arrival) are refused. */
  readonly maxEventAgeMs: number;
  /** The hash key ranges of the stream's shards, for KPL aggregates' user records (shard-ranges.ts); without it they are not checked. */
  readonly shardRangeOf?: ShardRangeOf;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Nothing will succeed until a person fixes the deployment: says what is wrong and counts it (an
 * alarm watches the count); the caller fails the batch, so Lambda keeps it until then.
 */
export function configurationErrorReporter({ logger, metrics }: Pick<KinesisFunctionDeps, 'logger' | 'metrics'>) {
  return (error: unknown): void => {
    logger.error('configuration error: the batch fails until it is fixed', {
      reason: typeof error === 'string' ? error : describeError(error),
    });
    metrics.addMetric(MetricName.configurationErrors, MetricUnit.Count, 1);
  };
}

/**
 * A Kinesis-triggered function as a middy chain: logger context → EMF metrics → decode/parse/validate
 * (kinesis-decoder.ts) → `handler` → the refused records to the quarantine. `handler` reads what the
 * decoder found with `decodedBatch` or `inRecordOrder`, and answers with `batchItemFailures`.
 */
export function kinesisFunction<E extends TimedEvent>(
  deps: KinesisFunctionDeps & { readonly validate: (input: unknown) => Validation<E> },
  handler: (event: ScoringEvent<E>, context: Context) => Promise<KinesisStreamBatchResponse>,
) {
  const { logger, metrics } = deps;
  return middy<ScoringEvent<E>, KinesisStreamBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(
      quarantineRejected<E>({
        quarantine: deps.quarantine,
        source: deps.name,
        log: (message, attributes) => logger.warn(message, attributes),
        onQuarantined: (accepted) => metrics.addMetric(MetricName.recordsQuarantined, MetricUnit.Count, accepted),
        onConfigurationError: configurationErrorReporter(deps),
      }),
    )
    .use(
      kinesisDecoder<E>({
        validate: deps.validate,
        limits: { maxRecordBytes: deps.maxRecordBytes, maxFutureSkewMs: deps.maxFutureSkewMs, maxEventAgeMs: deps.maxEventAgeMs },
        ...(deps.shardRangeOf ? { shardRangeOf: deps.shardRangeOf } : {}),
      }),
    )
    .handler(handler);
}

/** How many times each value occurs. */
export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
