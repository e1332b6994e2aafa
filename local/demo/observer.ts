import type { SNSClient } from '@aws-sdk/client-sns';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DeliveredAlert } from './summary';

/**
 * The demo's own subscriber of the alerts topic: an SQS queue subscribed to it, as any consumer of
 * riskstream's alerts would subscribe. What it receives is what SNS really delivered.
 */
export class AlertObserver {
  private constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  static async subscribe(sqs: SQSClient, sns: SNSClient, topicArn: string, queueName: string): Promise<AlertObserver> {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    // Subscribing the same endpoint again returns the existing subscription.
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes['QueueArn'], ReturnSubscriptionArn: true }),
    );
    const observer = new AlertObserver(sqs, QueueUrl);
    // Messages of an earlier demo are not this one's.
    while ((await observer.receive(0)).length > 0);
    return observer;
  }

  /** One receive (long poll of waitSeconds); what arrived is deleted from the queue and returned. */
  async receive(waitSeconds = 1): Promise<DeliveredAlert[]> {
    const page = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) return [];
    await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    return messages.map((m) => deliveredAlert(m.Body ?? '{}', Number(m.Attributes?.['SentTimestamp'] ?? Date.now())));
  }
}

/** An SNS-to-SQS envelope holding an alert message, as the subscriber sees it. */
export function deliveredAlert(body: string, arrivedAt: number): DeliveredAlert {
  const envelope = JSON.parse(body) as { Message?: string };
  const alert = JSON.parse(envelope.Message ?? '{}') as {
    alertId?: string;
    severity?: string;
    kind?: string;
    entity?: { type?: string; id?: string };
    summary?: string;
    reasons?: string[];
    eventIds?: string[];
    relatedEventIds?: string[];
    incident?: { transition?: string };
  };
  return {
    alertId: String(alert.alertId),
    severity: String(alert.severity),
    eventIds: alert.eventIds ?? [],
    ...(alert.relatedEventIds ? { relatedEventIds: alert.relatedEventIds } : {}),
    arrivedAt,
    ...(alert.kind ? { kind: alert.kind } : {}),
    ...(alert.entity ? { entity: `${alert.entity.type ?? '?'} ${alert.entity.id ?? '?'}` } : {}),
    ...(alert.summary ? { summary: alert.summary } : {}),
    ...(alert.reasons ? { reasons: alert.reasons } : {}),
    ...(alert.incident?.transition ? { transition: alert.incident.transition } : {}),
  };
}
