import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import { crc32 } from 'node:zlib';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { FaultProxy } from '../../../local/faults/fault-proxy';
import { startFaultProxy } from '../../../local/faults/fault-proxy';

/**
 * The fault proxy against a tiny HTTP server standing in for the emulator: what it forwards arrives
 * unchanged, and what it makes up is what the AWS SDK takes for DynamoDB's own errors.
 */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly target: string;
  readonly body: string;
}

let upstream: Server;
let upstreamUrl: string;
const received: Received[] = [];
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        target: String(req.headers['x-amz-target'] ?? ''),
        body: Buffer.concat(chunks).toString(),
      });
      const body = req.url?.startsWith('/big') ? 'x'.repeat(200_000) : '{}';
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0', 'x-upstream': 'yes' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const client = (url: string, maxAttempts = 1) =>
  new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });
const putItem = () => new PutItemCommand({ TableName: 't', Item: { pk: { S: 'user#1' } } });

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; attempts?: number }; $fault: string };
  }
  throw new Error('expected the request to fail');
};

describe('the fault proxy', () => {
  it('forwards what it does not fault unchanged, both ways', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { throttle: 1 }, matches: () => false });

    const response = await fetch(`${proxy.url}/big?x=1`, {
      method: 'POST',
      body: 'hello',
      headers: { 'X-Amz-Target': 'Kinesis_20131202.GetRecords' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect((await response.text()).length).toBe(200_000);
    expect(received).toEqual([{ method: 'POST', path: '/big?x=1', target: 'Kinesis_20131202.GetRecords', body: 'hello' }]);
    expect(proxy.stats()).toMatchObject({ forwarded: 1, matched: 0 });
  });

  it('throttles with the error DynamoDB sends, which the SDK reads as a throttling error and retries', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { throttle: 1 } });

    const once = await errorOf(client(proxy.url).send(putItem()));
    const retried = await errorOf(client(proxy.url, 3).send(putItem()));

    expect(['ProvisionedThroughputExceededException', 'ThrottlingException']).toContain(once.name);
    expect(once.$metadata.httpStatusCode).toBe(400);
    expect(once.$fault).toBe('client');
    expect(retried.$metadata.attempts).toBe(3);
    expect(received).toEqual([]); // nothing reached the emulator
    expect(proxy.stats().injected.throttle).toBe(4);
  });

  it('answers in AWS JSON 1.0 with a request id and the CRC32 of the body', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { serverError: 1 } });

    const response = await fetch(proxy.url, { method: 'POST', body: '{}', headers: { 'X-Amz-Target': 'DynamoDB_20120810.GetItem' } });
    const body = Buffer.from(await response.arrayBuffer());

    expect([500, 503]).toContain(response.status);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[A-Z0-9_-]{20,}$/);
    expect(response.headers.get('x-amz-crc32')).toBe(String(crc32(body)));
    expect(JSON.parse(body.toString())).toEqual({
      __type: expect.stringMatching(/^com\.amazonaws\.dynamodb\.v20120810#(InternalServerError|ServiceUnavailable)$/),
      message: expect.any(String),
    });
  });

  it('makes server errors the SDK treats as server faults', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { serverError: 1 } });

    const error = await errorOf(client(proxy.url).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })));

    expect(error.$fault).toBe('server');
    expect([500, 503]).toContain(error.$metadata.httpStatusCode);
  });

  it('can fail a request after the emulator applied it: the write happened, the client sees a 500', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { errorAfterForward: 1 } });

    const error = await errorOf(client(proxy.url, 2).send(putItem()));

    expect(error.name).toBe('InternalServerError');
    expect(error.$metadata.attempts).toBe(2);
    expect(received.map((r) => r.target)).toEqual(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.PutItem']);
  });

  it('faults only the DynamoDB API by default, not DynamoDB Streams or other services', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl, faults: { throttle: 1 } });

    for (const target of ['DynamoDBStreams_20120810.GetRecords', 'Kinesis_20131202.GetRecords', 'AmazonSQS.SendMessage']) {
      expect((await fetch(proxy.url, { method: 'POST', body: '{}', headers: { 'X-Amz-Target': target } })).status).toBe(200);
    }
    expect(received).toHaveLength(3);
  });

  it('draws its faults from the seed: the same seed gives the same faults, at about the rate asked for', async () => {
    const outcomes = async (seed: number) => {
      proxy = await startFaultProxy({ target: upstreamUrl, seed, faults: { throttle: 0.1, serverError: 0.1, errorAfterForward: 0.1 } });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        statuses.push(
          (await fetch(proxy.url, { method: 'POST', body: '{}', headers: { 'X-Amz-Target': 'DynamoDB_20120810.PutItem' } })).status,
        );
      }
      const stats = proxy.stats();
      await proxy.close();
      proxy = undefined;
      return { statuses, stats };
    };

    const first = await outcomes(7);
    const again = await outcomes(7);
    const other = await outcomes(8);

    expect(again.statuses).toEqual(first.statuses);
    expect(other.statuses).not.toEqual(first.statuses);
    const faulted = first.statuses.filter((s) => s !== 200).length;
    expect(faulted).toBeGreaterThan(35); // 30 % of 200 = 60
    expect(faulted).toBeLessThan(85);
    const { throttle, serverError, errorAfterForward } = first.stats.injected;
    expect(throttle + serverError + errorAfterForward).toBe(faulted);
    expect(first.stats.forwarded).toBe(200 - throttle - serverError);
  });

  it('refuses connections while stopped and answers again on the same port once started', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const url = proxy.url.replace('localhost', '127.0.0.1');
    const keptAlive = client(proxy.url, 1);
    await keptAlive.send(putItem()); // a kept-alive connection exists now

    await proxy.stop();
    const refused = await errorOf(fetch(url));
    const sdkError = await errorOf(keptAlive.send(putItem()));
    await proxy.start();
    const after = await fetch(url, { method: 'POST', body: '{}' });

    expect((refused.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
    expect(sdkError.name).not.toBe('ProvisionedThroughputExceededException');
    expect(after.status).toBe(200);
    expect(received).toHaveLength(2);
  });

  it('lets a hook drop a request before it is forwarded, or after the emulator applied it', async () => {
    const seen: string[] = [];
    proxy = await startFaultProxy({
      target: upstreamUrl,
      onRequest: (r) => (seen.push(`request ${r.operation}`), r.operation === 'GetItem' ? 'drop' : undefined),
      onForwarded: (r) => (seen.push(`forwarded ${r.operation}`), 'drop'),
    });

    await errorOf(client(proxy.url).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })));
    await errorOf(client(proxy.url).send(putItem()));

    expect(seen).toEqual(['request GetItem', 'request PutItem', 'forwarded PutItem']);
    expect(received.map((r) => r.target)).toEqual(['DynamoDB_20120810.PutItem']);
    expect(proxy.stats().dropped).toBe(2);
  });
});
