import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { produceCommand } from '../../cli/commands/produce';
import type { DeployedStack } from '../../local/runtime/runtime';
import { openDeployedStack, startLocalRuntime } from '../../local/runtime/runtime';
import { runCommand } from '../support/command-io';
import { dynamodb } from '../support/resources';
import type { Queue } from '../support/subscribed-stack';
import { createSubscriberQueue, deploySubscribedStack, receivedNotifications, removeStackFiles } from '../support/subscribed-stack';

/**
 * Orders joined with their payments through the deployed pipeline on moto: the orders stream,
 * join-orders and the sweep, as the default synth defines them (the local runtime runs the mapping
 * and fires the schedule). The join window is 20 seconds, so that the test need not wait 30 minutes.
 * Every event is put twice, and the whole file again after the windows closed: each order still
 * has one outcome, and the subscriber (payment alerts only) gets each alert once.
 */
const STACK = `RiskstreamOrders${Date.now().toString(36)}`;
const NAME = `ro${Date.now().toString(36)}`;
const WINDOW_MS = 20_000;

describe('orders joined with payments through the deployed pipeline on moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-orders-'));
  const quiet = () => undefined;
  let subscriber: Queue;
  let stack: DeployedStack;

  const runtime = () => startLocalRuntime({ stackName: STACK, stack, log: quiet });
  const joinOf = async (orderId: string) => {
    const item = await dynamodb.send(
      new GetItemCommand({ TableName: stack.outputs['StateTableName'], Key: { pk: { S: `order#${orderId}` } }, ConsistentRead: true }),
    );
    return unmarshall(item.Item ?? {});
  };
  const alerts = async (): Promise<string[]> =>
    (await receivedNotifications<{ entity: { type: string; id: string }; reasons: string[] }>(subscriber.url))
      .map(({ message }) => `${message.entity.type} ${message.entity.id}: ${message.reasons[0]?.split(':')[0]}`)
      .sort();

  beforeAll(async () => {
    subscriber = await createSubscriberQueue(`${NAME}-payments`);
    await deploySubscribedStack({
      stackName: STACK,
      config: { name: NAME, orders: { joinWindow: '20s' } },
      subscribers: [{ queueArn: subscriber.arn, minSeverity: 'warning', kinds: ['payment'], notifications: ['alert'] }],
    });
    stack = await openDeployedStack(STACK, quiet);
  }, 300_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeStackFiles(STACK);
  });

  it('joins, flags a mismatch at once, and an unpaid order and an orphan payment once their window closes, each alert once', async () => {
    const at = (ago: number) => new Date(Date.now() - ago).toISOString();
    const events = [
      // The payment first: either side may come first.
      { eventType: 'PaymentReceived', orderId: 'order-123', paymentId: 'pay-999', amount: 79.99, timestamp: at(3_000) },
      { eventType: 'OrderCreated', orderId: 'order-123', userId: 'user-456', amount: 79.99, timestamp: at(4_000) },
      { eventType: 'OrderCreated', orderId: 'order-200', userId: 'user-7', amount: 50, timestamp: at(3_000) },
      { eventType: 'PaymentReceived', orderId: 'order-200', paymentId: 'pay-200', amount: 49.99, timestamp: at(2_000) },
      { eventType: 'OrderCreated', orderId: 'order-unpaid', userId: 'user-8', amount: 12.5, timestamp: at(2_000) },
      { eventType: 'PaymentReceived', orderId: 'order-none', paymentId: 'pay-orphan', amount: 5, timestamp: at(2_000) },
    ];
    const file = join(dir, 'orders.jsonl');
    const lines = events.map((e) => JSON.stringify(e));
    writeFileSync(file, [...lines, ...lines].join('\n'));
    const produce = () => runCommand(produceCommand, ['--file', file, '--stack', STACK], []);

    expect((await produce()).code).toBe(0);
    await (await runtime()).runUntilIdle(1500);

    expect(await joinOf('order-123')).toMatchObject({
      outcome: 'joined',
      order: { userId: 'user-456', amount: 79.99 },
      payment: { paymentId: 'pay-999', amount: 79.99 },
    });
    expect(await joinOf('order-200')).toMatchObject({ outcome: 'amount_mismatch' });
    // Waiting, and in the sweep's index until its window closes.
    expect(await joinOf('order-unpaid')).toMatchObject({ entityType: 'order', due: expect.any(Number) });
    expect((await joinOf('order-unpaid'))['outcome']).toBeUndefined();
    expect(await alerts()).toEqual(['order order-200: amount_mismatch']);

    // The windows close; the sweep's control records let the time pass for the waiting joins.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const later = await runtime();
    await later.fireSchedules();
    await later.runUntilIdle(1500);
    await later.fireSchedules();
    await later.runUntilIdle(1500);

    expect(await joinOf('order-unpaid')).toMatchObject({ outcome: 'unpaid' });
    expect((await joinOf('order-unpaid'))['due']).toBeUndefined();
    expect(await joinOf('order-none')).toMatchObject({ outcome: 'orphan_payment' });
    expect(await alerts()).toEqual(['order order-none: orphan_payment', 'order order-unpaid: unpaid']);

    // Every side again: all met before, nothing changes and nothing is sent.
    expect((await produce()).code).toBe(0);
    const replay = await runtime();
    await replay.runUntilIdle(1500);
    await replay.fireSchedules();
    await replay.runUntilIdle(1500);
    expect(await alerts()).toEqual([]);
    expect(await joinOf('order-123')).toMatchObject({ outcome: 'joined', ver: 1 });
  }, 180_000);
});
