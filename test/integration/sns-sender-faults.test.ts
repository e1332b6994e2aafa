import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { FaultProxy } from '../../local/faults/fault-proxy';
import { startFaultProxy } from '../../local/faults/fault-proxy';
import { drainQueue, sqs } from '../support/resources';
import { createSubscriberQueue } from '../support/subscribed-stack';

/**
 * The fault proxy's SNS sender faults against moto: the SDK reads the refused entries as SNS's own
 * (`Failed`, `SenderFault: true`), the others are published, and a refused entry never reaches a
 * subscriber.
 */
const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
let proxy: FaultProxy | undefined;
let queueUrl = '';

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

async function topicWithSubscriber(): Promise<string> {
  const name = `sender-faults-${randomUUID().slice(0, 8)}`;
  const sns = new SNSClient({});
  const topic = await sns.send(new CreateTopicCommand({ Name: name }));
  const queue = await createSubscriberQueue(name);
  queueUrl = queue.url;
  await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  return topic.TopicArn ?? '';
}

const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, Message: JSON.stringify({ n: i }) }));

describe('SNS sender faults from the fault proxy', () => {
  it('refuses some entries of a PublishBatch as the sender’s fault and publishes the others', async () => {
    // Arrange
    const topicArn = await topicWithSubscriber();
    proxy = await startFaultProxy({ target: endpoint, seed: 4, faults: { senderFault: 0.4 } });
    const sns = new SNSClient({ endpoint: proxy.url });

    // Act
    const response = await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));

    // Assert
    const failed = response.Failed ?? [];
    const published = await drainQueue(queueUrl);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((f) => f.SenderFault === true && f.Code === 'InvalidParameter')).toBe(true);
    expect([...failed.map((f) => f.Id), ...(response.Successful ?? []).map((s) => s.Id)].sort()).toEqual(entries.map((e) => e.Id).sort());
    expect(proxy.stats().injected.senderFault).toBe(failed.length);
    expect(published).toHaveLength(10 - failed.length);
  });

  it('answers a batch whose every entry it refuses without the emulator', async () => {
    // Arrange
    const topicArn = await topicWithSubscriber();
    proxy = await startFaultProxy({ target: endpoint, faults: { senderFault: 1 } });
    const sns = new SNSClient({ endpoint: proxy.url });

    // Act
    const response = await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));

    // Assert
    expect(response.Failed?.map((f) => f.Id)).toEqual(entries.map((e) => e.Id));
    expect(response.Successful ?? []).toEqual([]);
    expect(proxy.stats().forwarded).toBe(0);
    expect(await drainQueue(queueUrl)).toEqual([]);
  });
});
