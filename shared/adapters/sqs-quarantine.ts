import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Quarantine, RejectedRecord } from '../quarantine/quarantine';
import { MAX_QUARANTINED_DATA_CHARS, quarantineMessage } from '../quarantine/quarantine';
import { chunkBySize, retryUntilDone } from './batching';
import { classifyAwsError, ConfigurationError, describeError, ErrorKind } from '../errors';

const SQS_BATCH = 10;
/** SendMessageBatch caps the whole request at 256 KiB. */
const SQS_BATCH_BYTES = 240 * 1024;

/**
 * Quarantine on an SQS queue: one message per record, ten per request; refused entries are retried,
 * then handed back. A configuration error (the queue is missing, the send denied) is thrown.
 */
export class SqsQuarantine implements Quarantine {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async quarantine(records: readonly RejectedRecord[], source: string): Promise<RejectedRecord[]> {
    const refused: RejectedRecord[] = [];
    for (const part of chunkBySize(
      records,
      SQS_BATCH,
      SQS_BATCH_BYTES,
      (r) => Math.min(r.data.length, MAX_QUARANTINED_DATA_CHARS) + 2048,
    )) {
      try {
        refused.push(...(await retryUntilDone(part, (pending) => this.sendBatch(pending, source))));
      } catch (error) {
        // A missing queue or a denied send fails every record the same way: say so, once.
        if (classifyAwsError(error) === ErrorKind.configuration) {
          throw new ConfigurationError(
            `SQS SendMessageBatch to the quarantine queue failed: ${describeError(error)}. Check QUARANTINE_QUEUE_URL and that the function's role may send to it`,
            { cause: error },
          );
        }
        refused.push(...part);
      }
    }
    return refused;
  }

  private async sendBatch(records: readonly RejectedRecord[], source: string): Promise<RejectedRecord[]> {
    const response = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: records.map((record, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify(quarantineMessage(record, source, this.now())),
          MessageAttributes: { reason: { DataType: 'String', StringValue: record.reason.slice(0, 256) } },
        })),
      }),
    );
    return (response.Failed ?? []).map((f) => records[Number(f.Id)]).filter((r): r is RejectedRecord => r !== undefined);
  }
}
