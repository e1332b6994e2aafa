import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDBPublishedMarks } from '../../shared/adapters/dynamodb-published-marks';
import { SqsRejectedAlertQueue } from '../../shared/adapters/sqs-rejected-alerts';
import type { AlertPublisher } from '../../shared/alerting/messages';
import { alertPublisherFromEnv } from '../../shared/handler/publish-alerts-from-env';
import type { QuarantineMessage } from '../../shared/quarantine/quarantine';
import { ROOT } from '../deploy';
import type { LoadedFunction } from '../runtime/functions/invoker';
import { deployedFunction } from '../runtime/functions/invoker';
import type { DynamoDbTableStreamSource } from '../runtime/dynamodb/stream-source';
import { mappingSource } from '../runtime/mapping-source';
import type { DeployedStack } from '../runtime/runtime';
import { loadMappedFunction, openDeployedStack } from '../runtime/runtime';
import type { MappingSpec } from '../runtime/types';
import type { FixFunction } from './fix-script';
import type { DlqBatch } from './messages';
import { OutboxTable } from './outbox';
import { QueueReader } from './queue';
import type { AlertsDlqSummary } from './redrive-alerts-dlq';
import { redriveAlertsDlq } from './redrive-alerts-dlq';
import type { DlqSummary, DlqTarget } from './redrive-dlq';
import { redriveDlq } from './redrive-dlq';
import type { QuarantineSummary, ReplayTarget } from './redrive-quarantine';
import { redriveQuarantine } from './redrive-quarantine';
import { readRange } from './stream-range';

export interface StackRedriveOptions {
  readonly stackName: string;
  readonly log?: (line: string) => void;
  /** Messages handled so far, of about how many (the queues' approximate counts, which replays may grow). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Where the functions' own logs go; default .riskstream/<stack>.functions.log, beside the runtime's. */
  readonly functionLogs?: NodeJS.WritableStream;
}

export interface DlqRedrive {
  /** The on-failure destination's queue name. */
  readonly queue: string;
  /** The functions whose mappings send their failures there. */
  readonly functions: readonly string[];
  readonly summary: DlqSummary | AlertsDlqSummary;
}

/**
 * `redrive dlq` on the deployed stack: every on-failure destination of the stack's event source
 * mappings. A scoring function's DLQ message is replayed through the function of the mapping that
 * wrote it — the deployed bundle with its deployed environment, as the local runtime runs it.
 * publish-alerts' DLQ is redriven from the alert outbox (redriveAlertsDlq): what is not marked
 * published is published, with the stack's topic, table and queue, by the code the function runs.
 */
export async function redriveStackDlqs(options: StackRedriveOptions): Promise<DlqRedrive[]> {
  const session = await openSession(options);
  try {
    const queues = new Map<string, MappingSpec[]>();
    for (const spec of session.stack.mappings) {
      if (spec.onFailureQueueArn) queues.set(spec.onFailureQueueArn, [...(queues.get(spec.onFailureQueueArn) ?? []), spec]);
    }
    const readers = await Promise.all([...queues.keys()].map((arn) => session.queue(arn.slice(arn.lastIndexOf(':') + 1))));
    const progress = await session.progress(readers);
    const results: DlqRedrive[] = [];
    for (const [i, specs] of [...queues.values()].entries()) {
      const reader = readers[i] as QueueReader;
      const outboxSpec = specs.find((s) => s.source.kind === 'dynamodb');
      if (outboxSpec && isPublishAlertsDlq(session.stack, reader.queueUrl)) {
        results.push({
          queue: queueName(reader.queueUrl),
          functions: specs.map((s) => s.functionName),
          summary: await redriveAlertsDlq(session.alertsDlq(outboxSpec, reader, progress)),
        });
        continue;
      }
      const targetFor = async (batch: DlqBatch): Promise<DlqTarget | string> => {
        // The message names the function whose mapping wrote it (requestContext.functionArn).
        const spec = specs.find(
          (s) => s.source.kind === batch.kind && (batch.functionName === undefined || s.functionName === batch.functionName),
        );
        if (!spec)
          return `no ${batch.kind === 'kinesis' ? 'Kinesis' : 'DynamoDB Streams'} mapping of this stack sends ${batch.functionName ?? 'that function'}'s failures here`;
        return { spec, source: session.source(spec), invoke: await session.invoke(spec) };
      };
      const summary = await redriveDlq({ queue: reader, targetFor, onMessage: progress });
      results.push({
        queue: queueName(reader.queueUrl),
        functions: specs.map((s) => s.functionName),
        summary,
      });
    }
    return results;
  } finally {
    await session.close();
  }
}

/** `redrive quarantine` on the deployed stack: each record through the scoring function of its stream. */
export async function redriveStackQuarantine(options: StackRedriveOptions & { readonly fix?: FixFunction }): Promise<QuarantineSummary> {
  const session = await openSession(options);
  try {
    const queueUrl = session.stack.outputs['QuarantineQueueUrl'];
    if (!queueUrl)
      throw new Error(`the stack ${options.stackName} has no QuarantineQueueUrl output: deploy it again with \`riskstream up\`.`);
    const reader = new QueueReader(session.sqs, queueUrl);
    const progress = await session.progress([reader]);
    const { region, account } = session.stack;
    const targetFor = async (message: QuarantineMessage): Promise<ReplayTarget | string> => {
      const kinesisMappings = session.stack.mappings.filter((s) => s.source.kind === 'kinesis');
      const spec =
        kinesisMappings.find((s) => s.source.kind === 'kinesis' && s.source.streamArn === message.eventSourceARN) ??
        kinesisMappings.find((s) => s.functionName === message.source);
      if (!spec) return `no mapping of this stack reads the stream ${message.eventSourceARN}`;
      return { spec, source: session.source(spec) as ReplayTarget['source'], invoke: await session.invoke(spec), region, account };
    };
    return await redriveQuarantine({ queue: reader, targetFor, ...(options.fix ? { fix: options.fix } : {}), onMessage: progress });
  } finally {
    await session.close();
  }
}

/** The stack's PublishAlertsDlqUrl output names this queue: publish-alerts' on-failure destination. */
function isPublishAlertsDlq(stack: DeployedStack, queueUrl: string): boolean {
  const output = stack.outputs['PublishAlertsDlqUrl'];
  return output !== undefined && queueName(output) === queueName(queueUrl);
}

function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

interface Session {
  readonly stack: DeployedStack;
  readonly sqs: SQSClient;
  queue(name: string): Promise<QueueReader>;
  /** What redriving publish-alerts' DLQ from the outbox needs: the outbox table, the alerts topic, the DLQ itself. */
  alertsDlq(spec: MappingSpec, reader: QueueReader, onMessage: () => void): Parameters<typeof redriveAlertsDlq>[0];
  source(spec: MappingSpec): DlqTarget['source'];
  /** The mapping's function, loaded on first use. */
  invoke(spec: MappingSpec): Promise<DlqTarget['invoke']>;
  progress(readers: readonly QueueReader[]): Promise<() => void>;
  close(): Promise<void>;
}

async function openSession(options: StackRedriveOptions): Promise<Session> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stack = await openDeployedStack(options.stackName, log);
  // HTTP/1.1: moto does not speak HTTP/2, which the Kinesis client would choose.
  const config = { endpoint: stack.endpoint, region: stack.region, credentials: stack.credentials, requestHandler: new NodeHttpHandler() };
  const sqs = new SQSClient(config);
  const kinesis = new KinesisClient(config);
  const dynamodb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const sns = new SNSClient(config);
  const ownLogs = options.functionLogs
    ? undefined
    : createWriteStream(join(ROOT, '.riskstream', `${options.stackName}.functions.log`), { flags: 'a' });
  const logs = options.functionLogs ?? (ownLogs as NodeJS.WritableStream);
  const functions = new Map<string, Promise<LoadedFunction>>();
  const sources = new Map<MappingSpec, DlqTarget['source']>();
  const sourceOf = (spec: MappingSpec): DlqTarget['source'] => {
    let source = sources.get(spec);
    if (!source) {
      source = mappingSource(spec, { kinesis, dynamodb, streams }, stack);
      sources.set(spec, source);
    }
    return source;
  };
  return {
    stack,
    sqs,
    async queue(name) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!QueueUrl) throw new Error(`the queue ${name} does not exist`);
      return new QueueReader(sqs, QueueUrl);
    },
    alertsDlq(spec, reader, onMessage) {
      const table = spec.source.kind === 'dynamodb' ? spec.source.tableName : (stack.outputs['AlertsTableName'] ?? '');
      const topicArn = stack.outputs['AlertsTopicArn'];
      if (!topicArn)
        throw new Error(`the stack ${options.stackName} has no AlertsTopicArn output: deploy it again with \`riskstream up\`.`);
      const source = sourceOf(spec) as DynamoDbTableStreamSource;
      return {
        queue: reader,
        functionName: spec.functionName,
        functionArn: `arn:aws:lambda:${stack.region}:${stack.account}:function:${spec.functionName}`,
        outbox: new OutboxTable(dynamodb, table),
        // As publish-alerts publishes, budgets included: with its deployed environment.
        publisher: lazyPublisher(async () => {
          const fn = await deployedFunction(spec.functionName, stack.endpoint, stack.region, stack.credentials);
          return alertPublisherFromEnv(sns, dynamodb, topicArn, fn.environment);
        }),
        marks: new DynamoDBPublishedMarks(dynamodb, table),
        rejectedAlerts: new SqsRejectedAlertQueue(sqs, reader.queueUrl),
        stream: {
          arn: () => source.streamArn(),
          readRange: async (batch) =>
            (
              await readRange(
                source,
                batch.shardId,
                { start: batch.startSequenceNumber, end: batch.endSequenceNumber },
                spec.filterPatterns,
              )
            ).map((r) => r.event),
        },
        onMessage,
      };
    },
    source: sourceOf,
    async invoke(spec) {
      let loaded = functions.get(spec.functionName);
      if (!loaded) {
        loaded = loadMappedFunction(stack, spec, logs);
        functions.set(spec.functionName, loaded);
      }
      return (await loaded).invoke;
    },
    async progress(readers) {
      const counts = await Promise.all(readers.map((r) => r.approximateCount()));
      let total = counts.reduce((a, b) => a + b, 0);
      let done = 0;
      options.onProgress?.(done, total);
      return () => {
        done++;
        total = Math.max(total, done);
        options.onProgress?.(done, total);
      };
    },
    async close() {
      const loaded = await Promise.allSettled(functions.values());
      await Promise.all(loaded.flatMap((l) => (l.status === 'fulfilled' ? [l.value.close()] : [])));
      for (const client of [sqs, kinesis, dynamodb, streams, sns]) client.destroy();
      ownLogs?.end();
    },
  };
}

/** A publisher built on first use (reading the function's environment takes a request). */
function lazyPublisher(build: () => Promise<AlertPublisher>): AlertPublisher {
  let publisher: Promise<AlertPublisher> | undefined;
  return {
    publish: async (alerts) => (await (publisher ??= build())).publish(alerts),
  };
}
