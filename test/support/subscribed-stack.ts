import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalDeployResult } from '../../local/deploy';
import { deployLocal, recordPath, ROOT } from '../../local/deploy';
import { drainQueue, sqs } from './resources';

/**
 * What the integration tests that deploy the stack into the suite's emulator share: a subscriber
 * queue, the deploy with SQS subscribers, the notifications a subscriber received, and the files a
 * local deploy and run leave in .riskstream/.
 */

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

/** An SQS queue named `name` in the emulator (a subscriber of the alerts topic, say): its URL and ARN. */
export async function createSubscriberQueue(name: string): Promise<Queue> {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.['QueueArn'] ?? '' };
}

/** An SQS subscription of the deploy config (infra/config.ts): the queue, and what it takes. */
export interface SqsSubscriber {
  readonly queueArn: string;
  readonly minSeverity?: string;
  readonly kinds?: readonly string[];
  readonly notifications?: ReadonlyArray<'incident' | 'alert'>;
  /** Any other setting of a subscriber the deploy config takes. */
  readonly [setting: string]: unknown;
}

export interface SubscribedStackOptions {
  readonly stackName: string;
  /** The deploy config overrides (infra/config.ts); `subscriptions.sqs` comes from `subscribers`, the other subscriptions stay. */
  readonly config: Record<string, unknown>;
  readonly subscribers?: readonly SqsSubscriber[];
  /** Where the cloud assembly goes; default a fresh temporary directory. */
  readonly outdir?: string;
}

/** `deployLocal` into the suite's emulator (AWS_ENDPOINT_URL), quietly, with the SQS subscribers given. */
export function deploySubscribedStack(options: SubscribedStackOptions): Promise<LocalDeployResult> {
  const subscriptions = {
    ...(options.config['subscriptions'] as Record<string, unknown> | undefined),
    ...(options.subscribers ? { sqs: options.subscribers } : {}),
  };
  return deployLocal({
    endpoint: process.env['AWS_ENDPOINT_URL'] ?? '',
    stackName: options.stackName,
    outdir: options.outdir ?? mkdtempSync(join(tmpdir(), 'riskstream-cdk-')),
    log: () => undefined,
    config: Object.keys(subscriptions).length > 0 ? { ...options.config, subscriptions } : options.config,
  });
}

/** For afterAll: the stack's deploy record, the local runtime's checkpoints and the functions' log, in .riskstream/. */
export function removeStackFiles(stackName: string): void {
  for (const file of [
    recordPath(stackName),
    join(ROOT, '.riskstream', `${stackName}.checkpoints.json`),
    join(ROOT, '.riskstream', `${stackName}.functions.log`),
  ])
    rmSync(file, { force: true });
}

/** A notification as an SQS subscriber of the alerts topic receives it (SNS's envelope, not raw delivery). */
export interface Notification<M = Record<string, unknown>> {
  /** The alert or incident notification: the envelope's Message, parsed. */
  readonly message: M;
  /** The envelope's message attributes (severity, kind, entity, notification). */
  readonly attributes: Record<string, { readonly Type: string; readonly Value: string }>;
}

/** Drains the subscriber queue (drainQueue): every notification it received, in order, each taken once. */
export async function receivedNotifications<M = Record<string, unknown>>(queueUrl: string): Promise<Array<Notification<M>>> {
  return (await drainQueue(queueUrl)).map((envelope) => ({
    message: JSON.parse(String(envelope['Message'])) as M,
    attributes: (envelope['MessageAttributes'] ?? {}) as Notification['attributes'],
  }));
}
