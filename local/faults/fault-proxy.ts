import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import { seededRandom } from '../traffic/random';
import { allRefusedAnswer, isPublishBatch, refuseEntries, withRefusedEntries } from './sns-sender-faults';

/**
 * A small HTTP proxy on loopback between an AWS SDK client and the emulator, which answers a chosen
 * share of the requests it is told to fault with the error the real service sends (HTTP status,
 * AWS JSON error body and headers), so the SDK's own retry logic, the adapters' error mapping and
 * the functions' partial batch responses all meet the real thing. moto cannot throttle nor fail on
 * demand; this is where such faults come from, with a seeded RNG, so a run can be repeated.
 *
 * Faults (each a probability per matching request):
 *  - `throttle`: HTTP 400 ProvisionedThroughputExceededException or ThrottlingException, not forwarded;
 *  - `serverError`: HTTP 500 InternalServerError or 503 ServiceUnavailable, not forwarded;
 *  - `errorAfterForward`: forwarded (the emulator applies it), then answered with HTTP 500: the write
 *    happened but the client believes it failed and tries again;
 *  - `senderFault`: per entry of an SNS PublishBatch (whatever `matches` says), the entry refused as
 *    the sender's fault, the rest published (sns-sender-faults.ts); the first entry after the faults
 *    are set is always refused, so a run with few alerts still sees one (2 % of 64 is none, 27 % of the time).
 * `stop()` closes the port and every open connection (the emulator becomes unreachable: connection
 * refused), `start()` listens again on the same port.
 */

export interface FaultRates {
  readonly throttle?: number;
  readonly serverError?: number;
  readonly errorAfterForward?: number;
  readonly senderFault?: number;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** `X-Amz-Target` of JSON-protocol APIs, e.g. `DynamoDB_20120810.PutItem`; '' for others. */
  readonly target: string;
  /** The operation: the part of the target after the dot ('' when there is no target). */
  readonly operation: string;
  readonly body: Buffer;
}

export type FaultKind = 'throttle' | 'serverError' | 'errorAfterForward' | 'senderFault';

export interface FaultProxyStats {
  /** Requests that reached the emulator (errorAfterForward ones included). */
  readonly forwarded: number;
  /** Requests the fault rates applied to. */
  readonly matched: number;
  readonly injected: Readonly<Record<FaultKind, number>>;
  /** Requests dropped by an `onRequest` hook (the client saw its connection end). */
  readonly dropped: number;
}

export interface FaultProxyOptions {
  /** Where requests go: the emulator's endpoint, e.g. http://localhost:4566. */
  readonly target: string;
  /** Default: a free port. */
  readonly port?: number;
  readonly seed?: number;
  readonly faults?: FaultRates;
  /** Which requests the fault rates apply to; default: the DynamoDB API (not DynamoDB Streams). */
  readonly matches?: (request: ProxiedRequest) => boolean;
  /**
   * Sees every request before it is forwarded. Returning 'drop' ends the client's connection
   * without forwarding (as a process killed before its request left would leave things).
   */
  readonly onRequest?: (request: ProxiedRequest) => 'drop' | void;
  /**
   * Sees every forwarded request once the emulator has answered, before the client gets the answer.
   * Returning 'drop' ends the client's connection instead (the write happened; nobody heard of it).
   */
  readonly onForwarded?: (request: ProxiedRequest) => 'drop' | void;
}

export interface FaultProxy {
  /** What to give the SDK as its endpoint. */
  readonly url: string;
  readonly port: number;
  stats(): FaultProxyStats;
  setFaults(faults: FaultRates): void;
  /** Stops listening and ends every open connection: from now on connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

export const isDynamoDBRequest = (request: ProxiedRequest): boolean => request.target.startsWith('DynamoDB_20120810.');

/** The error bodies DynamoDB sends (JSON 1.0 protocol: `__type` is the error's shape id). */
const ERRORS = {
  provisionedThroughput: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  throttling: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  internal: { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
  unavailable: { status: 503, type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'Service Unavailable' },
} as const;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target.replace('//localhost', '//127.0.0.1'));
  const random = seededRandom(options.seed ?? 1);
  const matches = options.matches ?? isDynamoDBRequest;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let faults: FaultRates = options.faults ?? {};
  let senderFaultOwed = (faults.senderFault ?? 0) > 0;
  const counts = { forwarded: 0, matched: 0, dropped: 0, injected: { throttle: 0, serverError: 0, errorAfterForward: 0, senderFault: 0 } };
  const sockets = new Set<Socket>();

  /** Which fault, if any, this request gets: one draw, so the rates add up (0.04 + 0.03 + 0.03 = 10 %). */
  const drawFault = (): FaultKind | undefined => {
    const r = random();
    const { throttle = 0, serverError = 0, errorAfterForward = 0 } = faults;
    if (r < throttle) return 'throttle';
    if (r < throttle + serverError) return 'serverError';
    if (r < throttle + serverError + errorAfterForward) return 'errorAfterForward';
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      target: targetHeader,
      operation: targetHeader.includes('.') ? targetHeader.slice(targetHeader.indexOf('.') + 1) : '',
      body,
    };
    if (options.onRequest?.(request) === 'drop') {
      counts.dropped++;
      req.socket.destroy();
      return;
    }
    if ((faults.senderFault ?? 0) > 0 && isPublishBatch(body)) return refuseSomeEntries(req, res, request);
    const fault = matches(request) ? (counts.matched++, drawFault()) : undefined;
    if (fault === 'throttle') {
      counts.injected.throttle++;
      return sendError(res, random() < 0.5 ? ERRORS.provisionedThroughput : ERRORS.throttling);
    }
    if (fault === 'serverError') {
      counts.injected.serverError++;
      return sendError(res, random() < 0.5 ? ERRORS.internal : ERRORS.unavailable);
    }
    const upstream = await forward(req.headers, request);
    counts.forwarded++;
    if (options.onForwarded?.(request) === 'drop') {
      upstream.resume();
      counts.dropped++;
      req.socket.destroy();
      return;
    }
    if (fault === 'errorAfterForward') {
      counts.injected.errorAfterForward++;
      upstream.resume();
      return sendError(res, ERRORS.internal);
    }
    res.writeHead(upstream.statusCode ?? 502, withoutHopByHop(upstream.headers));
    upstream.pipe(res);
  };

  /** A PublishBatch with entries refused as the sender's fault: the rest forwarded, the answer completed. */
  const refuseSomeEntries = async (req: IncomingMessage, res: ServerResponse, request: ProxiedRequest): Promise<void> => {
    const split = refuseEntries(request.body, () => {
      if (!senderFaultOwed) return random() < (faults.senderFault ?? 0);
      senderFaultOwed = false;
      return true;
    });
    counts.injected.senderFault += split.refused.length;
    let xml: string;
    let status = 200;
    if (split.kept === 0) xml = allRefusedAnswer(split.refused, randomBytes(18).toString('hex'));
    else {
      const upstream = await forward(req.headers, { ...request, body: split.body });
      counts.forwarded++;
      status = upstream.statusCode ?? 502;
      const answer = (await readBody(upstream)).toString('utf8');
      xml = status === 200 ? withRefusedEntries(answer, split.refused) : answer;
    }
    const out = Buffer.from(xml);
    res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': String(out.length) });
    res.end(out);
  };

  const forward = (headers: IncomingHttpHeaders, request: ProxiedRequest): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          agent,
          headers: { ...withoutHopByHop(headers), 'content-length': String(request.body.length) },
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The emulator did not answer (or the client went away): the client sees its connection end.
      req.socket.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const port = await listen(options.port ?? 0);
  return {
    url: `http://localhost:${port}`,
    port,
    stats: () => ({ forwarded: counts.forwarded, matched: counts.matched, dropped: counts.dropped, injected: { ...counts.injected } }),
    setFaults(next) {
      faults = next;
      senderFaultOwed = (next.senderFault ?? 0) > 0;
    },
    stop: stopListening,
    async start() {
      if (!server.listening) await listen(port);
    },
    async close() {
      await stopListening();
      agent.destroy();
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** An error as DynamoDB sends it: JSON 1.0 body, request id and CRC32 of the body. */
function sendError(res: ServerResponse, error: { readonly status: number; readonly type: string; readonly message: string }): void {
  const body = Buffer.from(JSON.stringify({ __type: error.type, message: error.message }));
  res.writeHead(error.status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': String(body.length),
    'x-amzn-RequestId': randomBytes(26).toString('base64url').toUpperCase().slice(0, 52),
    'x-amz-crc32': String(crc32(body)),
  });
  res.end(body);
}
