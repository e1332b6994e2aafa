import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';

/**
 * The SQS calls of a redrive. A message received stays invisible to other readers while the redrive
 * works on it (VISIBILITY_SECONDS); it is then deleted, or made visible again at the end of the run
 * (release), so one run never receives the same message twice and a message kept for the next run
 * is not hidden from it. If the run dies, kept messages reappear after the visibility timeout.
 */
export const VISIBILITY_SECONDS = 300;

export interface ReceivedMessage {
  readonly body: string;
  readonly receiptHandle: string;
}

/** What a redrive needs of a queue (QueueReader on SQS; tests use a queue in memory). */
export interface MessageQueue {
  readonly queueUrl: string;
  receive(): Promise<ReceivedMessage[]>;
  remove(handles: readonly string[]): Promise<void>;
  release(handles: readonly string[]): Promise<void>;
  approximateCount(): Promise<number>;
}

export class QueueReader implements MessageQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  /** Up to ten messages; none when the queue holds no visible message (one second of long polling, so SQS asks every server). */
  async receive(): Promise<ReceivedMessage[]> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: VISIBILITY_SECONDS,
      }),
    );
    return Messages.flatMap((m: Message) => (m.ReceiptHandle ? [{ body: m.Body ?? '', receiptHandle: m.ReceiptHandle }] : []));
  }

  async remove(handles: readonly string[]): Promise<void> {
    await this.eachTen(handles, async (entries) => {
      const { Failed = [] } = await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      if (Failed.length > 0)
        throw new Error(`SQS did not delete ${Failed.length} message(s): ${Failed[0]?.Message ?? Failed[0]?.Code ?? 'no reason given'}`);
    });
  }

  /** Visible again now, for the next run. */
  async release(handles: readonly string[]): Promise<void> {
    await this.eachTen(handles, (entries) =>
      this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.queueUrl, Entries: entries.map((e) => ({ ...e, VisibilityTimeout: 0 })) }),
      ),
    );
  }

  /** ApproximateNumberOfMessages: for a progress bar, nothing more. */
  async approximateCount(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.['ApproximateNumberOfMessages'] ?? 0);
  }

  private async eachTen(
    handles: readonly string[],
    send: (entries: Array<{ Id: string; ReceiptHandle: string }>) => Promise<unknown>,
  ): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      await send(handles.slice(i, i + 10).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle })));
    }
  }
}

/**
 * Each message of the queue once: `handle` says whether it is done (deleted now) or kept (visible
 * again when the run ends, for the next run). Returns how many there were and how many were kept.
 */
export async function eachMessage(
  queue: MessageQueue,
  handle: (body: string) => Promise<boolean>,
  onMessage?: () => void,
): Promise<{ messages: number; redriven: number; kept: number }> {
  let messages = 0;
  let redriven = 0;
  const kept: string[] = [];
  try {
    for (let page = await queue.receive(); page.length > 0; page = await queue.receive()) {
      for (const message of page) {
        messages++;
        if (await handle(message.body)) {
          await queue.remove([message.receiptHandle]);
          redriven++;
        } else kept.push(message.receiptHandle);
        onMessage?.();
      }
    }
  } finally {
    await queue.release(kept);
  }
  return { messages, redriven, kept: kept.length };
}
