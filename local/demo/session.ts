import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClientConfig } from '../clients';
import { deployLocal, localDeployConfig } from '../deploy';
import { ensureEmulator } from '../emulator';
import type { LiveServer } from '../live/server';
import { startLiveServer } from '../live/server';
import type { LiveSnapshot } from '../live/snapshot';
import { alertBuckets, Timeline } from '../live/snapshot';
import type { LocalRuntime } from '../runtime/runtime';
import { openDeployedStack, startLocalRuntime, synthForRuntime } from '../runtime/runtime';
import type { LabelledEvent } from '../traffic/generator';
import { ORDER_KIND } from '../traffic/orders';
import { putRecords } from '../traffic/producer';
import { AlertObserver } from './observer';
import type { StateFigures } from './state-reader';
import { StateReader } from './state-reader';
import { DynamoDBLabelStore } from '../../shared/adapters/dynamodb-labels';
import type { ChannelFigure, DeliveredAlert, DemoFigures } from './summary';
import { channelFigure, detection, distinctAlerts, summarize } from './summary';
import { KINDS, streamOutput, streamTitle } from '../../shared/kinds/registry';
import type { EventKindName } from '../../shared/kinds/names';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';
import type { OrderOutcomes } from './order-outcomes';
import { expectedOrderOutcomes } from './order-outcomes';
import type { ConsumerPosition } from '../status/consumer-positions';
import { positionsInStack } from '../status/stack-status';

export interface DemoSessionOptions {
  readonly stackName: string;
  readonly seed: number;
  readonly mode: 'bounded' | 'continuous';
  readonly log: (line: string) => void;
  /** Serve the live page on this loopback port (0: any free one); left out: no page. */
  readonly port?: number;
  /** How often the runtime's counters are sampled for the throughput chart. */
  readonly sampleMs?: number;
}

/** A record put on purpose that the scorer must refuse (the demo shows the quarantine at work). */
export interface PoisonRecord {
  readonly kind: EventKindName;
  readonly partitionKey: string;
  readonly data: string;
}

export interface DemoSummary extends DemoFigures {
  /** Records put that the scorer had to refuse. */
  readonly poisonRecordsPut: number;
  /** Messages this demo added to the quarantine and to each dead-letter queue. */
  readonly quarantined: number;
  readonly deadLettered: Record<string, number>;
  /** Where the time went: ms inside each function (its code and its emulator calls); the rest of the run is polling and waiting. */
  readonly busyMsByFunction: Record<string, number>;
  /** Incident notifications per subscriber: on their own, and in digests where a budget held them back. */
  readonly notificationsByChannel: readonly ChannelFigure[];
  /** The orders put, by their join's outcome in the state table, beside what the labels and the sides put make of them. */
  readonly orders: OrderOutcomes & { readonly expected: OrderOutcomes };
}

/**
 * The demo's on-call channel: an SQS queue the stack subscribes with a person's budget (email's
 * default, 5 in 5 minutes, so a digest comes within the demo), standing for a pager or an inbox.
 */
const ON_CALL_BUDGET = { notifications: 5, per: '5m' } as const;

/**
 * The demo's join window (`orders.joinWindow`; the default is 30 minutes): a minute, so that unpaid
 * orders and orphan payments show within a demo. The generator's second sides come within 8 s.
 */
export const DEMO_JOIN_WINDOW = '1m';

async function onCallQueue(sqs: SQSClient, name: string) {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return {
    url: QueueUrl,
    subscriber: {
      queueArn: Attributes['QueueArn'] ?? '',
      minSeverity: 'warning',
      notifications: ['incident'],
      budget: ON_CALL_BUDGET,
    },
  };
}

/** The busiest windows the page shows: each entity's last 5 minutes, the rules' window. */
const BUSIEST_WINDOW_MS = 5 * 60_000;

/** Each function's dead-letter queue (the stack output that names it), by function. */
const DLQS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(KINDS.map((kind) => [`score-${kind.stream}`, `${streamTitle(kind)}DlqUrl`])),
  'join-orders': 'OrdersDlqUrl',
  'publish-alerts': 'PublishAlertsDlqUrl',
};
const QUEUES: Readonly<Record<string, string>> = { quarantine: 'QuarantineQueueUrl', ...DLQS };
type QueueName = string;

/**
 * One demo: the emulator up and the stack deployed, the local runtime running the deployed
 * functions, an SQS subscriber on the alerts topic, and — while it is open — the figures of what
 * the system really did, sampled for the live page: the runtime's counters, the state table (read
 * with a scan spaced by its own cost), the alerts as delivered, the quarantine and dead-letter
 * queues. The bounded and the continuous demo are two ways of feeding it events.
 */
export class DemoSession {
  /** Goes into every transaction id of this demo: a demo on a reused emulator tells its own data apart. */
  readonly idPrefix: string;
  readonly traffic: LabelledEvent[] = [];
  private readonly putAt = new Map<string, number>();
  private poison = 0;
  private readonly delivered: DeliveredAlert[] = [];
  /** What the on-call channel received: notifications within its budget, and digests. */
  private readonly paged: DeliveredAlert[] = [];
  private readonly timeline = new Timeline();
  private state: StateFigures | null = null;
  /** Where each consumer stands (riskstream status), read every few seconds. */
  private consumers: readonly ConsumerPosition[] = [];
  private queueDepths: Record<QueueName, number> = Object.fromEntries(Object.keys(QUEUES).map((name) => [name, 0]));
  private queueBaseline: Record<QueueName, number> = { ...this.queueDepths };
  private lastChangeAt = Date.now();
  private lastRead = -1;
  private closed = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly startedAt = Date.now();
  private readonly stateReader: StateReader;
  private server: LiveServer | undefined;
  private running: Promise<void> | undefined;

  private constructor(
    private readonly options: DemoSessionOptions,
    readonly emulatorStarted: boolean,
    private readonly outputs: Record<string, string>,
    private readonly clients: { kinesis: KinesisClient; sqs: SQSClient; dynamodb: DynamoDBClient },
    private readonly observer: AlertObserver,
    /** The stack's own budgeted subscriber (ON_CALL_BUDGET): what a person on call would receive. */
    private readonly onCall: AlertObserver,
    private readonly runtime: LocalRuntime,
  ) {
    this.idPrefix = `${options.seed}-${Date.now().toString(36)}`;
    const labels = new DynamoDBLabelStore(clients.dynamodb, outputs['StateTableName'] ?? '');
    this.stateReader = new StateReader(clients.dynamodb, outputs['StateTableName'] ?? '', {
      windowMs: BUSIEST_WINDOW_MS,
      verdicts: async () => new Map((await labels.list()).map((label) => [label.id, label.verdict])),
    });
  }

  static async open(options: DemoSessionOptions): Promise<DemoSession> {
    const { log, stackName } = options;
    const opening = Date.now();
    const emulator = await ensureEmulator(log);
    const config = emulatorClientConfig(emulator.endpoint);
    // The runtime's synth (the stack as it deploys to AWS, for its mappings) needs only the account
    // and the config, so it runs beside the deploy instead of after it: the first start is shorter.
    const account = (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account ?? '';
    const sqs = new SQSClient(config);
    const onCall = await onCallQueue(sqs, `${stackName.toLowerCase()}-demo-on-call`);
    const demoConfig = { subscriptions: { sqs: [onCall.subscriber] }, orders: { joinWindow: DEMO_JOIN_WINDOW } };
    const synthesizing = synthForRuntime({
      stackName,
      config: localDeployConfig(stackName, demoConfig),
      account,
      region: config.region,
      log,
    });
    synthesizing.catch(() => undefined); // awaited below; a deploy failure must not leave it unhandled
    const deployed = await deployLocal({ endpoint: emulator.endpoint, stackName, log, config: demoConfig });
    const observer = await AlertObserver.subscribe(
      sqs,
      new SNSClient(config),
      deployed.outputs['AlertsTopicArn'] ?? '',
      `${stackName.toLowerCase()}-demo-observer`,
    );
    const onCallObserver = await AlertObserver.attach(sqs, onCall.url);
    const runtime = await startLocalRuntime({ stackName, log, stack: await openDeployedStack(stackName, log, synthesizing) });
    const clients = {
      kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
      sqs,
      dynamodb: new DynamoDBClient(config),
    };
    const session = new DemoSession(options, emulator.started, deployed.outputs, clients, observer, onCallObserver, runtime);
    try {
      await session.begin();
    } catch (error) {
      // Half begun (the runtime started, the page served) is stopped, not left to hold the process open.
      await session.close().catch(() => undefined);
      throw error;
    }
    log(
      `the pipeline runs, ${Math.round((Date.now() - opening) / 1000)} s after the start${session.url ? `; live page: ${session.url}` : ''}`,
    );
    return session;
  }

  /** The live page's address, when it is served. */
  get url(): string | undefined {
    return this.server?.url;
  }

  private async begin(): Promise<void> {
    this.queueBaseline = await this.readQueueDepths();
    this.queueDepths = { ...this.queueBaseline };
    this.running = this.runtime.start();
    if (this.options.port !== undefined) this.server = await startLiveServer({ port: this.options.port, snapshot: () => this.snapshot() });
    const sampleMs = this.options.sampleMs ?? 1000;
    this.loops.push(
      this.every(0, 'receiving alerts', async () => {
        const received = await this.observer.receive(1);
        this.delivered.push(...received);
        if (received.length > 0) this.lastChangeAt = Date.now();
      }),
      this.every(0, 'receiving on call', async () => {
        this.paged.push(...(await this.onCall.receive(1)));
      }),
      this.every(sampleMs, 'sampling the runtime', async () => {
        const read = this.recordsRead();
        if (read !== this.lastRead) this.lastChangeAt = Date.now();
        this.lastRead = read;
        this.timeline.sample(Date.now(), this.eventsPut, this.recordsScored());
      }),
      this.every(5000, 'reading the queues', async () => {
        this.queueDepths = await this.readQueueDepths();
      }),
      this.every(5000, "reading the consumers' positions", async () => {
        this.consumers = await positionsInStack(this.runtime.stack);
      }),
      this.every(0, 'reading the state table', async () => {
        this.state = await this.readState();
        // Reads cost the emulator time the pipeline needs: the next round waits ten times as long as this one took.
        await this.sleep(Math.max(5000, 10 * this.state.tookMs));
      }),
    );
  }

  get eventsPut(): number {
    return this.traffic.length + this.poison;
  }

  /** Puts labelled events (and poison records) into the deployed streams, by kind (orders on the orders stream), 500 a request. */
  async put(events: readonly LabelledEvent[], poison: readonly PoisonRecord[] = []): Promise<void> {
    const records = [
      ...events.map((e) => ({ kind: e.kind, partitionKey: e.partitionKey, data: JSON.stringify(e.event), event: e })),
      ...poison.map((p) => ({ ...p, event: undefined })),
    ];
    for (const [route, stream] of this.streamsByRoute()) {
      const part = records.filter((r) => r.kind === route);
      for (let i = 0; i < part.length; i += 500) {
        const chunk = part.slice(i, i + 500);
        await putRecords(
          this.clients.kinesis,
          stream,
          chunk.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(r.data) })),
        );
        const now = Date.now();
        for (const r of chunk) {
          if (!r.event) {
            this.poison++;
            continue;
          }
          this.traffic.push(r.event);
          this.stateReader.track([r.event], now);
          this.putAt.set(r.event.id, now);
        }
      }
    }
    this.lastChangeAt = Date.now();
  }

  /**
   * Lets the sweep's minute come now (what its schedule does every minute): joins whose window has
   * closed end as unpaid orders or orphan payments. The bounded demo's events end a minute before
   * they are put, so by its end every window of DEMO_JOIN_WINDOW has closed.
   */
  async closeJoinWindows(): Promise<void> {
    await this.runtime.fireSchedules();
    this.lastChangeAt = Date.now();
  }

  /** Waits until no record was read and no alert arrived for idleMs (or `signal` aborts); returns when the last change was seen. */
  async waitUntilIdle(idleMs: number, signal?: AbortSignal): Promise<number> {
    while (Date.now() - this.lastChangeAt < idleMs && !signal?.aborted) await this.sleep(200);
    return this.lastChangeAt;
  }

  snapshot(): LiveSnapshot {
    const now = Date.now();
    const distinct = distinctAlerts(this.delivered);
    const figures = summarize(this.traffic, this.putAt, this.delivered, this.state?.decisionsByAction ?? {}, (now - this.startedAt) / 1000);
    const status = this.runtime.status();
    const depth = (name: QueueName) => Math.max(0, (this.queueDepths[name] ?? 0) - (this.queueBaseline[name] ?? 0));
    return {
      mode: this.options.mode,
      stackName: this.options.stackName,
      startedAt: this.startedAt,
      now,
      eventsPut: this.eventsPut,
      recordsScored: this.recordsScored(),
      throughput: this.timeline.rates(),
      alertsOverTime: alertBuckets(distinct.values(), this.startedAt, now, ALERT_BUCKET_MS),
      alertBucketMs: ALERT_BUCKET_MS,
      lag: status.flatMap((s) => Object.entries(s.stats.lagMsPerShard).map(([shardId, lagMs]) => ({ source: s.source, shardId, lagMs }))),
      functions: status.map((s) => ({
        functionName: s.functionName,
        source: s.source,
        recordsRead: s.stats.recordsRead,
        busyMs: s.busyMs,
        recordsToDlq: s.stats.recordsFailedToDestination,
      })),
      consumers: this.consumers,
      state: this.state && {
        decisionsByAction: this.state.decisionsByAction,
        busiestWindows: this.state.busiestWindows,
        openIncidents: this.state.openIncidents,
        ruleQuality: this.state.ruleQuality,
        orders: this.state.orders,
        readAt: this.state.readAt,
      },
      alerts: {
        delivered: distinct.size,
        bySeverity: figures.alertsBySeverity,
        notificationsByTransition: figures.notificationsByTransition,
        repeatedDeliveries: figures.repeatedDeliveries,
        latest: [...distinct.values()].sort((a, b) => b.arrivedAt - a.arrivedAt).slice(0, 15),
      },
      queues: {
        quarantine: depth('quarantine'),
        dlq: Object.fromEntries(Object.keys(DLQS).map((name) => [name, depth(name)])),
      },
      detection: { ...detection(this.traffic, distinct.values()), labelledEvents: this.traffic.length },
      notificationsByChannel: this.channels(this.delivered),
      latencyMs: figures.latencyMs,
      notificationLatencyMs: figures.notificationLatencyMs,
    };
  }

  /**
   * Stops feeding the page and the runtime, reads the state table and the queues one last time and
   * sums up. `seconds` is the run's length as the caller measures it (for events per second).
   */
  async finish(seconds: number): Promise<DemoSummary> {
    const busyMsByFunction = Object.fromEntries(this.runtime.status().map((s) => [s.functionName, s.busyMs]));
    await this.close();
    const [state, depths] = await Promise.all([this.readState(), this.readQueueDepths()]);
    const figures = summarize(
      this.traffic,
      this.putAt,
      this.delivered.filter((a) => a.eventIds.some((id) => this.putAt.has(id))),
      state.decisionsByAction,
      seconds,
    );
    const added = (name: QueueName) => Math.max(0, (depths[name] ?? 0) - (this.queueBaseline[name] ?? 0));
    return {
      ...figures,
      notificationsByChannel: this.channels(this.delivered),
      eventsIn: this.eventsPut,
      eventsPerSecond: Math.round(this.eventsPut / Math.max(seconds, 0.001)),
      poisonRecordsPut: this.poison,
      quarantined: added('quarantine'),
      deadLettered: Object.fromEntries(Object.keys(DLQS).map((name) => [name, added(name)])),
      busyMsByFunction,
      orders: { ...state.orders, expected: expectedOrderOutcomes(this.traffic) },
    };
  }

  /** Stops the runtime, the page and the sampling loops; the emulator and the deployed stack stay. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server?.close();
    await this.runtime.stop();
    await this.running;
    await Promise.all(this.loops);
  }

  /** Incident notifications per channel: the demo's own subscriber (every message) and the budgeted on-call one. */
  private channels(delivered: readonly DeliveredAlert[]): ChannelFigure[] {
    const everything = channelFigure('sqs, every message', delivered);
    const peopleTake = [...distinctAlerts(delivered).values()].filter((a) => a.transition !== undefined && a.severity !== 'info').length;
    const onCall = channelFigure('on call (sqs, with a budget)', this.paged, {
      budget: `${ON_CALL_BUDGET.notifications} per ${ON_CALL_BUDGET.per}`,
      peopleTake,
    });
    return [everything, onCall];
  }

  private recordsRead(): number {
    return this.runtime.status().reduce((sum, s) => sum + s.stats.recordsRead, 0);
  }

  /** The input streams by route: each scored kind's name, and `order` for orders and payments. */
  private streamsByRoute(): Array<readonly [string, string]> {
    return [
      ...KINDS.map((kind) => [kind.name, this.outputs[streamOutput(kind)] ?? ''] as const),
      [ORDER_KIND, this.outputs[streamOutput(ORDER_JOIN_NAMES)] ?? ''] as const,
    ];
  }

  /** Records the scorers read (the orders join's are not scoring, and hold the sweep's control records too). */
  private recordsScored(): number {
    const streams = new Set(KINDS.map((kind) => this.outputs[streamOutput(kind)]));
    return this.runtime
      .status()
      .filter((s) => streams.has(s.source))
      .reduce((sum, s) => sum + s.stats.recordsRead, 0);
  }

  private readState(): Promise<StateFigures> {
    return this.stateReader.read();
  }

  private async readQueueDepths(): Promise<Record<QueueName, number>> {
    const entries = await Promise.all(
      Object.entries(QUEUES).map(async ([name, output]) => {
        const url = this.outputs[output];
        if (!url) return [name, 0] as const;
        const { Attributes = {} } = await this.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return [
          name,
          Number(Attributes['ApproximateNumberOfMessages'] ?? 0) + Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0),
        ] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /** Runs `step` every `ms` until closed; a failed step is said once per kind of failure and tried again. */
  private async every(ms: number, what: string, step: () => Promise<void>): Promise<void> {
    let lastError = '';
    while (!this.closed) {
      try {
        await step();
        lastError = '';
      } catch (error) {
        const message = (error as Error).message;
        if (message !== lastError) this.options.log(`demo: ${what} failed (${message}); trying again`);
        lastError = message;
        await this.sleep(1000);
      }
      if (ms > 0) await this.sleep(ms);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const until = Date.now() + ms;
      const tick = () => (this.closed || Date.now() >= until ? resolve() : setTimeout(tick, Math.min(100, until - Date.now())));
      tick();
    });
  }
}

const ALERT_BUCKET_MS = 5000;
