import type { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { StateReader } from '../../../local/demo/state-reader';
import type { LabelledEvent } from '../../../local/traffic/generator';

const side = (orderId: string, eventType: string): LabelledEvent => ({
  kind: 'order',
  id: eventType === 'OrderCreated' ? orderId : `pay-${orderId}`,
  partitionKey: orderId,
  event: { eventType, orderId },
  label: 'paid',
});

/** A state table that answers BatchGetItem from `items` (by pk), and records the keys asked for. */
function fakeTable(items: Map<string, Record<string, unknown>>) {
  const asked: string[][] = [];
  const client = {
    send: async (command: BatchGetItemCommand) => {
      const keys = command.input.RequestItems?.['state']?.Keys ?? [];
      const pks = keys.map((k) => String(k['pk']?.S));
      asked.push(pks);
      const found = pks.flatMap((pk) => (items.has(pk) ? [marshall(items.get(pk))] : []));
      return { Responses: { state: found } };
    },
  } as unknown as DynamoDBClient;
  return { client, asked };
}

describe('the demo state reader: orders', () => {
  it('counts the orders put by their join item’s outcome, waiting until it has one, and stops reading the final ones', async () => {
    const items = new Map<string, Record<string, unknown>>([
      ['order#o1', { pk: 'order#o1', entityType: 'order', orderId: 'o1', outcome: 'joined' }],
      ['order#o2', { pk: 'order#o2', entityType: 'order', orderId: 'o2', closesAt: 1, due: 60 }],
      ['order#o3', { pk: 'order#o3', entityType: 'order', orderId: 'o3', outcome: 'orphan_payment' }],
    ]);
    const { client, asked } = fakeTable(items);
    const reader = new StateReader(client, 'state', { windowMs: 300_000 });
    // o1 by both sides, o2 waits for its payment, o3 is a payment alone, o4 is not stored yet.
    reader.track([side('o1', 'OrderCreated'), side('o1', 'PaymentReceived'), side('o2', 'OrderCreated')], 0);
    reader.track([side('o3', 'PaymentReceived'), side('o4', 'OrderCreated')], 0);

    const first = await reader.read(1_000);

    expect(first.orders).toEqual({ joined: 1, amount_mismatch: 0, unpaid: 0, orphan_payment: 1, waiting: 2 });
    expect(asked.flat().sort()).toEqual(['order#o1', 'order#o2', 'order#o3', 'order#o4']);

    // The window closes: o2 unpaid; o4's join is written, a mismatch.
    items.set('order#o2', { pk: 'order#o2', entityType: 'order', orderId: 'o2', outcome: 'unpaid' });
    items.set('order#o4', { pk: 'order#o4', entityType: 'order', orderId: 'o4', outcome: 'amount_mismatch' });
    asked.length = 0;

    const second = await reader.read(2_000);

    expect(second.orders).toEqual({ joined: 1, amount_mismatch: 1, unpaid: 1, orphan_payment: 1, waiting: 0 });
    expect(asked.flat().sort()).toEqual(['order#o2', 'order#o4']);
  });
});
