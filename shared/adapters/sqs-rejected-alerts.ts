import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { RejectedAlert, RejectedAlertQueue } from '../alerting/rejected-alerts';
import { rejectedAlertMessage } from '../alerting/rejected-alerts';
import { describeError } from '../errors';
import { chunk, retryUntilDone } from './batching';

/** SendMessageBatch takes ten entries; these messages are about 1 KB each, far below its 256 KiB. */
const SQS_BATCH = 10;

/** Rejected alerts on publish-alerts' DLQ: one message per alert, ten per request; refused entries are retried, then handed back. */
export class SqsRejectedAlertQueue implements RejectedAlertQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(alerts: readonly RejectedAlert[], functionArn: string): Promise<Array<{ alertId: string; reason: string }>> {
    const notSent: Array<{ alertId: string; reason: string }> = [];
    for (const part of chunk(alerts, SQS_BATCH)) {
      const reasons = new Map<RejectedAlert, string>();
      try {
        const left = await retryUntilDone(part, (pending) => this.sendBatch(pending, functionArn, reasons));
        notSent.push(...left.map((a) => ({ alertId: a.alertId, reason: reasons.get(a) ?? 'SQS did not take the message' })));
      } catch (error) {
        notSent.push(...part.map((a) => ({ alertId: a.alertId, reason: describeError(error) })));
      }
    }
    return notSent;
  }

  private async sendBatch(
    alerts: readonly RejectedAlert[],
    functionArn: string,
    reasons: Map<RejectedAlert, string>,
  ): Promise<RejectedAlert[]> {
    const now = this.now();
    const response = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: alerts.map((alert, i) => ({ Id: String(i), MessageBody: JSON.stringify(rejectedAlertMessage(alert, functionArn, now)) })),
      }),
    );
    const refused: RejectedAlert[] = [];
    for (const failure of response.Failed ?? []) {
      const alert = alerts[Number(failure.Id)];
      if (!alert) continue;
      reasons.set(alert, `${failure.Code ?? 'Failed'}: ${failure.Message ?? 'no message'}`);
      refused.push(alert);
    }
    return refused;
  }
}
