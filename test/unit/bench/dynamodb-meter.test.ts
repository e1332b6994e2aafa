import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBMeter } from '../../../bench/dynamodb-meter';

type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
type Middleware = (next: Next, context: { commandName: string }) => Next;

/** The meter only adds one middleware: capture it and drive it with a stand-in for the rest of the stack. */
function meteredSend(meter: DynamoDBMeter, answer: (command: string, input: Record<string, unknown>) => Record<string, unknown>) {
  let middleware: Middleware | undefined;
  meter.attach({ middlewareStack: { add: (m: Middleware) => void (middleware = m) } } as unknown as DynamoDBClient);
  const sent: Array<Record<string, unknown>> = [];
  const send = async (command: string, input: Record<string, unknown>) => {
    if (!middleware) throw new Error('meter did not attach');
    const next: Next = async (args) => {
      sent.push(args.input);
      return { output: { $metadata: { attempts: 1 }, ...answer(command, args.input) } };
    };
    return (await middleware(next, { commandName: `${command}Command` })({ input })).output;
  };
  return { send, sent };
}

const item = (key: string, bytes: number) => ({ pk: { S: key }, data: { S: 'x'.repeat(bytes) } });

describe('DynamoDBMeter', () => {
  it('counts requests by command and prices puts and batch writes by item size, not by what the emulator reports', async () => {
    const meter = new DynamoDBMeter({ state: ['pk'] });
    const { send } = meteredSend(meter, () => ({ ConsumedCapacity: { TableName: 'state', CapacityUnits: 1 } }));

    await send('PutItem', { TableName: 'state', Item: item('a', 2500) });
    await send('BatchWriteItem', {
      RequestItems: { state: [{ PutRequest: { Item: item('b', 10) } }, { PutRequest: { Item: item('c', 1500) } }] },
    });
    await send('BatchGetItem', { RequestItems: { state: { Keys: [{ pk: { S: 'a' } }] } } });

    const reading = meter.read();
    expect(reading.requests).toBe(3);
    expect(reading.byCommand).toEqual({ PutItem: 1, BatchWriteItem: 1, BatchGetItem: 1 });
    expect(reading.writeUnits).toBe(3 + 1 + 2);
    expect(reading.reportedWriteUnits).toBe(2);
  });

  it('asks an UpdateItem for the new item and hands the caller the answer it asked for', async () => {
    const meter = new DynamoDBMeter({ idem: ['id'] });
    const after = { id: { S: 'k' }, data: { S: 'y'.repeat(1500) } };
    const { send, sent } = meteredSend(meter, (_command, input) =>
      input['ReturnValues'] === 'ALL_NEW' ? { Attributes: after, ConsumedCapacity: { CapacityUnits: 0.5 } } : {},
    );

    const output = await send('UpdateItem', { TableName: 'idem', Key: { id: { S: 'k' } }, UpdateExpression: 'SET #d = :d' });

    expect(sent[0]).toMatchObject({ ReturnValues: 'ALL_NEW', ReturnConsumedCapacity: 'TOTAL' });
    expect(output['Attributes']).toBeUndefined();
    expect(output['ConsumedCapacity']).toBeUndefined();
    expect(meter.read().writeUnits).toBe(2);
  });

  it('prices a failed condition by the stored item and rethrows the error', async () => {
    const meter = new DynamoDBMeter({ state: ['pk'] });
    let fail = false;
    const { send } = meteredSend(meter, () => {
      if (fail) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { attempts: 1 } });
      return {};
    });
    await send('PutItem', { TableName: 'state', Item: item('a', 1500) });
    fail = true;

    await expect(
      send('PutItem', { TableName: 'state', Item: item('a', 10), ConditionExpression: 'attribute_not_exists(pk)' }),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(meter.read()).toMatchObject({ requests: 2, writeUnits: 2 + 2 });
  });

  it('does not price the items a BatchWriteItem left unprocessed', async () => {
    const meter = new DynamoDBMeter({ state: ['pk'] });
    const left = item('b', 3000);
    const { send } = meteredSend(meter, () => ({ UnprocessedItems: { state: [{ PutRequest: { Item: left } }] } }));

    await send('BatchWriteItem', { RequestItems: { state: [{ PutRequest: { Item: item('a', 10) } }, { PutRequest: { Item: left } }] } });

    expect(meter.read().writeUnits).toBe(1);
  });
});
