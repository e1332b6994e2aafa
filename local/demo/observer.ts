import type { SNSClient } from '@aws-sdk/client-sns';
import { SetSubscriptionAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DeliveredAlert } from './summary';

/**
 * The demo's own subscriber of the alerts topic: an SQS queue subscribed to it, as any consumer of
 * riskstream's alerts would subscribe. What it receives is what SNS really delivered. The same class
 * reads a queue the stack subscribed itself (`attach`): the demo's budgeted on-call channel.
 */
export class AlertObserver {
  private constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  static async subscribe(sqs: SQSClient, sns: SNSClient, topicArn: string, queueName: string): Promise<AlertObserver> {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    // Subscribing the same endpoint again returns the existing subscription: its policy is set apart.
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes['QueueArn'], ReturnSubscriptionArn: true }),
    );
    // Every message, as a subscriber without a budget takes them: none addressed to a budgeted one.
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ recipient: [{ exists: false }] }),
      }),
    );
    return AlertObserver.attach(sqs, QueueUrl);
  }

  /** Reads a queue already subscribed (by the stack's configuration), from now on. */
  static async attach(sqs: SQSClient, queueUrl: string): Promise<AlertObserver> {
    const observer = new AlertObserver(sqs, queueUrl);
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

/** An SNS-to-SQS envelope holding an alert message (or a digest), as the subscriber sees it. */
export function deliveredAlert(body: string, arrivedAt: number): DeliveredAlert {
  const envelope = JSON.parse(body) as { Message?: string };
  const alert = JSON.parse(envelope.Message ?? '{}') as {
    digestId?: string;
    notifications?: Array<{ alertId?: string; severity?: string }>;
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
  if (alert.digestId !== undefined) {
    const held = alert.notifications ?? [];
    return {
      alertId: alert.digestId,
      severity: held.some((n) => n.severity === 'critical') ? 'critical' : 'warning',
      eventIds: [],
      arrivedAt,
      ...(alert.summary ? { summary: alert.summary } : {}),
      digestOf: held.map((n) => String(n.alertId)),
    };
  }
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
