import type { MiddlewareObj, Request } from '@middy/core';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import type { TimedEvent } from '../kinesis/records';
import type { Quarantine, RejectedRecord } from '../quarantine/quarantine';
import { ConfigurationError } from '../errors';
import type { ScoringEvent } from './kinesis-decoder';
import { decodedBatch } from './kinesis-decoder';
import { withFailures } from './batch-failures';

export interface QuarantineRejectedOptions {
  readonly quarantine: Quarantine;
  /** Names the function in each quarantined message. */
  readonly source: string;
  readonly onQuarantined?: (accepted: number, refused: number) => void;
  readonly log?: (message: string, attributes: Record<string, unknown>) => void;
  /** The quarantine cannot take anything until a person fixes it; the whole batch is failed. */
  readonly onConfigurationError?: (error: ConfigurationError) => void;
}

/**
 * After the handler: sends the records the decoder refused to the quarantine, so the batch goes
 * on without them and nothing is lost. A record the quarantine does not accept becomes a batch
 * item failure and comes back on the retry.
 */
export function quarantineRejected<E extends TimedEvent>(
  options: QuarantineRejectedOptions,
): MiddlewareObj<ScoringEvent<E>, KinesisStreamBatchResponse> {
  const quarantineRejectedMiddlewareAfter = async (request: Request<ScoringEvent<E>, KinesisStreamBatchResponse>): Promise<void> => {
    const { rejected } = decodedBatch(request.event);
    if (rejected.length === 0) return;
    let refused: RejectedRecord[];
    try {
      refused = await options.quarantine.quarantine(rejected, options.source);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      options.onConfigurationError?.(error);
      request.response = { batchItemFailures: request.event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
      return;
    }
    const notTaken = new Set(refused);
    for (const record of rejected) {
      const where = { sequenceNumber: record.ref.sequenceNumber, shardId: record.ref.shardId, reason: record.reason };
      options.log?.(notTaken.has(record) ? 'record not quarantined, will be retried' : 'record quarantined', where);
    }
    options.onQuarantined?.(rejected.length - refused.length, refused.length);
    request.response = withFailures(
      request.response,
      refused.map((r) => r.ref.sequenceNumber),
    );
  };
  return { name: 'quarantineRejected', after: quarantineRejectedMiddlewareAfter };
}
