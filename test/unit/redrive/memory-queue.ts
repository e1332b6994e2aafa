import type { MessageQueue, ReceivedMessage } from '../../../local/redrive/queue';

/** A queue in memory with SQS's visibility rules: a received message is hidden until deleted or released. */
export class MemoryQueue implements MessageQueue {
  readonly queueUrl = 'memory://queue';
  private readonly messages = new Map<string, { body: string; visible: boolean }>();
  private next = 0;

  constructor(bodies: readonly unknown[] = []) {
    for (const body of bodies) this.send(body);
  }

  send(body: unknown): void {
    this.messages.set(`m${++this.next}`, { body: typeof body === 'string' ? body : JSON.stringify(body), visible: true });
  }

  /** Every message still in the queue, visible or not. */
  bodies(): string[] {
    return [...this.messages.values()].map((m) => m.body);
  }

  async receive(): Promise<ReceivedMessage[]> {
    const page = [...this.messages.entries()].filter(([, m]) => m.visible).slice(0, 10);
    for (const [, m] of page) m.visible = false;
    return page.map(([receiptHandle, m]) => ({ receiptHandle, body: m.body }));
  }

  async remove(handles: readonly string[]): Promise<void> {
    for (const handle of handles) this.messages.delete(handle);
  }

  async release(handles: readonly string[]): Promise<void> {
    for (const handle of handles) {
      const message = this.messages.get(handle);
      if (message) message.visible = true;
    }
  }

  async approximateCount(): Promise<number> {
    return [...this.messages.values()].filter((m) => m.visible).length;
  }
}
