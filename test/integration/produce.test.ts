import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { produceCommand } from '../../cli/commands/produce';
import type { DeployRecord } from '../../local/deploy';
import { recordPath } from '../../local/deploy';
import { runCommand } from '../support/command-io';

const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler() });
const STACK = `ProduceTest${Date.now().toString(36)}`;

async function createStream(name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  for (let i = 0; i < 50; i++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readAll(name: string): Promise<Array<{ partitionKey: string; data: string }>> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const records: Array<{ partitionKey: string; data: string }> = [];
  for (const shard of Shards) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
    records.push(...(page.Records ?? []).map((r) => ({ partitionKey: r.PartitionKey ?? '', data: Buffer.from(r.Data ?? []).toString() })));
  }
  return records;
}

describe('riskstream produce', () => {
  const transactions = `${STACK}-transactions`;
  const readings = `${STACK}-readings`;
  const orders = `${STACK}-orders`;
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-produce-'));

  beforeAll(async () => {
    await createStream(transactions);
    await createStream(readings);
    await createStream(orders);
    const record: DeployRecord = {
      endpoint,
      templateHash: 'test',
      outputs: { TransactionsStreamName: transactions, ReadingsStreamName: readings, OrdersStreamName: orders },
    };
    mkdirSync(dirname(recordPath(STACK)), { recursive: true });
    writeFileSync(recordPath(STACK), JSON.stringify(record));
  });

  afterAll(() => rmSync(recordPath(STACK), { force: true }));

  it('puts a file’s lines as they are with --as-is, routed by kind and keyed by entity as the scorer reads it, bad lines included', async () => {
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      [
        '{"transactionId":"txn-123","userId":"user-456","amount":2500,"country":"DE","timestamp":"2026-04-25T12:00:00Z"}',
        '{"deviceId":"sensor-17","temperature":82.4,"timestamp":"2026-04-25T12:00:00Z"}',
        '{"transactionId":"txn-124","userId":" user-456 ","amount":20,"country":"DE","timestamp":"2026-04-25T12:00:01Z"}',
        `{"transactionId":"txn-125","userId":"${'u'.repeat(300)}","amount":-1}`,
        'this is not json',
        '{"eventType":"OrderCreated","orderId":" order-123 ","userId":"user-456","amount":79.99,"timestamp":"2026-04-25T12:00:00Z"}',
        // The buyer's device on a payment: still a payment, not a reading.
        '{"eventType":"PaymentReceived","orderId":"order-123","paymentId":"pay-999","amount":79.99,"deviceId":"phone-1","timestamp":"2026-04-25T12:00:05Z"}',
        '',
      ].join('\n'),
    );

    const result = await runCommand(produceCommand, ['--file', file, '--as-is', '--stack', STACK], []);

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/put 7 of 7 records/);
    // Both sides of the order on one shard, under the order id as join-orders reads it (trimmed).
    expect((await readAll(orders)).map((r) => r.partitionKey)).toEqual(['order-123', 'order-123']);
    const onTransactions = await readAll(transactions);
    // " user-456 " is user-456 to the scorer (ids are trimmed): its events share one shard, in order. A
    // key Kinesis would refuse (over 256 characters) goes as 'unknown', for the scorer to quarantine the line.
    expect(onTransactions.map((r) => r.partitionKey).sort()).toEqual(['unknown', 'unknown', 'user-456', 'user-456']);
    expect(onTransactions.map((r) => r.data)).toContain('this is not json');
    expect(await readAll(readings)).toEqual([
      { partitionKey: 'sensor-17', data: '{"deviceId":"sensor-17","temperature":82.4,"timestamp":"2026-04-25T12:00:00Z"}' },
    ]);
  });

  it('puts generated traffic and writes its labels', async () => {
    const labels = join(dir, 'labels.jsonl');
    const counts = async () => [(await readAll(transactions)).length, (await readAll(readings)).length, (await readAll(orders)).length];
    const before = await counts();

    const result = await runCommand(produceCommand, ['--generate', '1200', '--seed', '9', '--labels', labels, '--stack', STACK], []);

    expect(result.code).toBe(0);
    const put = (await counts()).map((n, i) => n - (before[i] ?? 0));
    expect(put.reduce((sum, n) => sum + n, 0)).toBe(1200);
    // Orders and payments are about a tenth of generated traffic, on their own stream.
    expect(put[2]).toBeGreaterThan(60);
    expect(put[2]).toBeLessThan(200);
  });

  it('refuses a file with lines that are not JSON, naming them, and puts nothing', async () => {
    const file = join(dir, 'broken.jsonl');
    writeFileSync(
      file,
      [
        '{"transactionId":"txn-9","userId":"user-9","amount":1,"country":"DE","timestamp":"2026-04-25T12:00:00Z"}',
        '{"transactionId":"txn-10",',
        '',
        'oops',
      ].join('\n'),
    );
    const before = (await readAll(transactions)).length;

    const result = await runCommand(produceCommand, ['--file', file, '--stack', STACK], []);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `riskstream produce: ${file}: lines 2, 4 are not JSON; nothing was put (fix the file, or add --as-is to put every line as it is and let the scorers quarantine the bad ones).\n`,
    );
    expect((await readAll(transactions)).length).toBe(before);
  });

  it('says in one sentence what is missing', async () => {
    const missingFile = await runCommand(produceCommand, ['--file', join(dir, 'nope.jsonl'), '--stack', STACK], []);
    const notDeployed = await runCommand(produceCommand, ['--generate', '5', '--stack', 'NeverDeployed'], []);
    const usage = await runCommand(produceCommand, ['--generate', 'many', '--stack', STACK], []);

    expect([missingFile.code, notDeployed.code, usage.code]).toEqual([1, 1, 2]);
    expect(missingFile.stderr).toBe(`riskstream produce: cannot read ${join(dir, 'nope.jsonl')}: no such file, or not readable\n`);
    expect(notDeployed.stderr).toBe('riskstream produce: the stack NeverDeployed is not deployed from here: run `riskstream up` first.\n');
    expect(usage.stderr).toMatch(/^riskstream produce: --generate must be a positive integer, got "many"/);
  });

  it('refuses orders for a stack deployed before the orders stream, naming what it lacks, and puts nothing', async () => {
    const older = `${STACK}Older`;
    const record: DeployRecord = {
      endpoint,
      templateHash: 'test',
      outputs: { TransactionsStreamName: transactions, ReadingsStreamName: readings },
    };
    writeFileSync(recordPath(older), JSON.stringify(record));
    const file = join(dir, 'order.jsonl');
    writeFileSync(file, '{"eventType":"OrderCreated","orderId":"order-1","userId":"u-1","amount":5,"timestamp":"2026-04-25T12:00:00Z"}\n');
    const before = (await readAll(transactions)).length;

    try {
      const result = await runCommand(produceCommand, ['--file', file, '--stack', older], []);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `riskstream produce: the stack ${older} has no stream for order events (deployed before it was added?): run \`riskstream up\` again.\n`,
      );
      expect((await readAll(transactions)).length).toBe(before);
    } finally {
      rmSync(recordPath(older), { force: true });
    }
  });
});
