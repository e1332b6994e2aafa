import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClientConfig } from './clients';
import { deployLocal } from './deploy';
import { ensureEmulator } from './emulator';
import { startLocalRuntime } from './runtime/runtime';
import type { LabelledEvent } from './traffic/generator';
import { takeTraffic } from './traffic/generator';
import { putRecords } from './traffic/producer';

export interface DemoOptions {
  readonly events: number;
  readonly seed: number;
  readonly stackName?: string;
  /** How long without new records (and new alerts) ends the run. */
  readonly idleMs?: number;
  readonly log?: (line: string) => void;
}

export interface DemoSummary {
  readonly eventsIn: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly decisionsByAction: Record<string, number>;
  /** Distinct alerts delivered to the demo's SQS subscriber, by severity, and how many arrived more than once. */
  readonly alertsBySeverity: Record<string, number>;
  readonly repeatedDeliveries: number;
  /** Against the generator's labels; an event counts as detected when an alert of severity warning or above names it. */
  readonly detection: { readonly precision: number; readonly recall: number; readonly scenarioRecall: number };
  /** From the put of an event to its alert's arrival at the subscriber, ms. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly samples: number };
  /** Where the time went: ms inside each function (its code and its emulator calls); the rest of the run is polling and waiting. */
  readonly busyMsByFunction: Record<string, number>;
}

interface DeliveredAlert {
  readonly alertId: string;
  readonly severity: string;
  readonly eventIds: readonly string[];
  readonly arrivedAt: number;
}

/**
 * A bounded demo: the emulator up and the stack deployed, the local runtime running the deployed
 * functions, N generated events put while it runs, then a summary of what the system really did —
 * decisions from DynamoDB, alerts as an SQS subscriber of the SNS topic received them — against
 * the generator's labels.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stackName = options.stackName ?? 'Riskstream';
  const emulator = await ensureEmulator(log);
  const deployed = await deployLocal({ endpoint: emulator.endpoint, stackName, log });
  const clients = emulatorClientConfig(emulator.endpoint);
  const sqs = new SQSClient(clients);
  const observer = await subscribeObserver(sqs, new SNSClient(clients), deployed.outputs['AlertsTopicArn'] ?? '', `${stackName.toLowerCase()}-demo-observer`);

  const runtime = await startLocalRuntime({ stackName, log });
  const running = runtime.start();
  // Event times end a minute ago (the scorer refuses events dated after their arrival), and the ids
  // are this run's own: a demo on a reused emulator would otherwise replay the last one's events as duplicates.
  const shape = { seed: options.seed, idPrefix: `${options.seed}-${Date.now().toString(36)}` };
  const span = lastEventTime(takeTraffic(options.events, { ...shape, start: 0 }));
  const traffic = takeTraffic(options.events, { ...shape, start: Date.now() - span - 60_000 });
  const putAt = new Map<string, number>();
  const started = Date.now();
  log(`putting ${traffic.length} generated events (seed ${options.seed})…`);
  const kinesis = new KinesisClient({ ...clients, requestHandler: new NodeHttpHandler() });
  for (let i = 0; i < traffic.length; i += 500) {
    const chunk = traffic.slice(i, i + 500);
    for (const [kind, stream] of [
      ['transaction', deployed.outputs['TransactionsStreamName']],
      ['reading', deployed.outputs['ReadingsStreamName']],
    ] as const) {
      const part = chunk.filter((e) => e.kind === kind);
      await putRecords(kinesis, stream ?? '', part.map((e) => ({ partitionKey: e.partitionKey, data: Buffer.from(JSON.stringify(e.event)) })));
      const now = Date.now();
      for (const e of part) putAt.set(e.id, now);
    }
  }

  const delivered: DeliveredAlert[] = [];
  const idleMs = options.idleMs ?? 4000;
  let lastChange = Date.now();
  let lastRead = -1;
  while (Date.now() - lastChange < idleMs) {
    const received = await receive(sqs, observer);
    delivered.push(...received);
    const read = runtime.status().reduce((sum, s) => sum + s.stats.recordsRead, 0);
    if (received.length > 0 || read !== lastRead) lastChange = Date.now();
    lastRead = read;
  }
  const seconds = (lastChange - started) / 1000;
  const busyMsByFunction = Object.fromEntries(runtime.status().map((s) => [s.functionName, s.busyMs]));
  await runtime.stop();
  await running;

  const ids = new Set(traffic.map((e) => e.id));
  const decisions = await decisionsByAction(new DynamoDBClient(clients), deployed.outputs['StateTableName'] ?? '', ids);
  return { ...summarize(traffic, putAt, delivered.filter((a) => a.eventIds.some((id) => ids.has(id))), decisions, seconds), busyMsByFunction };
}

async function subscribeObserver(sqs: SQSClient, sns: SNSClient, topicArn: string, queueName: string): Promise<string> {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  // Subscribing the same endpoint again returns the existing subscription.
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes['QueueArn'], ReturnSubscriptionArn: true }));
  // Messages of an earlier demo are not this one's.
  while ((await receive(sqs, QueueUrl)).length > 0);
  return QueueUrl;
}

async function receive(sqs: SQSClient, queueUrl: string): Promise<DeliveredAlert[]> {
  const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['SentTimestamp'] }));
  const messages = page.Messages ?? [];
  if (messages.length === 0) return [];
  await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })) }));
  return messages.map((m) => {
    const envelope = JSON.parse(m.Body ?? '{}') as { Message?: string };
    const alert = JSON.parse(envelope.Message ?? '{}') as { alertId: string; severity: string; eventIds: string[] };
    return { alertId: alert.alertId, severity: alert.severity, eventIds: alert.eventIds ?? [], arrivedAt: Number(m.Attributes?.['SentTimestamp'] ?? Date.now()) };
  });
}

async function decisionsByAction(dynamodb: DynamoDBClient, table: string, ids: ReadonlySet<string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table, FilterExpression: 'itemType = :d', ExpressionAttributeValues: { ':d': { S: 'decision' } } })) {
    for (const item of (page.Items ?? []).map((i) => unmarshall(i))) {
      if (!ids.has(String(item['transactionId']))) continue;
      const action = String(item['action']);
      counts[action] = (counts[action] ?? 0) + 1;
    }
  }
  return counts;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function summarize(
  traffic: readonly LabelledEvent[],
  putAt: ReadonlyMap<string, number>,
  delivered: readonly DeliveredAlert[],
  decisions: Record<string, number>,
  seconds: number,
): Omit<DemoSummary, 'busyMsByFunction'> {
  const distinct = new Map<string, DeliveredAlert>();
  for (const alert of delivered) if (!distinct.has(alert.alertId)) distinct.set(alert.alertId, alert);
  const alertsBySeverity: Record<string, number> = {};
  for (const alert of distinct.values()) alertsBySeverity[alert.severity] = (alertsBySeverity[alert.severity] ?? 0) + 1;

  const flagged = new Set([...distinct.values()].filter((a) => a.severity !== 'info').flatMap((a) => a.eventIds));
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  const scenarios = new Map<number, boolean>();
  for (const event of traffic) {
    const anomalous = event.label !== 'normal';
    const detected = flagged.has(event.id);
    if (detected && anomalous) truePositives++;
    else if (detected) falsePositives++;
    else if (anomalous) falseNegatives++;
    if (event.scenario !== undefined) scenarios.set(event.scenario, (scenarios.get(event.scenario) ?? false) || detected);
  }
  const latencies = [...distinct.values()]
    .flatMap((a) => a.eventIds.map((id) => (putAt.has(id) ? a.arrivedAt - (putAt.get(id) ?? 0) : undefined)))
    .filter((l): l is number => l !== undefined)
    .sort((a, b) => a - b);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
  return {
    eventsIn: traffic.length,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(traffic.length / Math.max(seconds, 0.001)),
    decisionsByAction: decisions,
    alertsBySeverity,
    repeatedDeliveries: delivered.length - distinct.size,
    detection: {
      precision: ratio(truePositives, truePositives + falsePositives),
      recall: ratio(truePositives, truePositives + falseNegatives),
      scenarioRecall: ratio([...scenarios.values()].filter(Boolean).length, scenarios.size),
    },
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), samples: latencies.length },
  };
}

function lastEventTime(events: readonly LabelledEvent[]): number {
  return Math.max(0, ...events.map((e) => Date.parse(String(e.event['timestamp']))));
}
