import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { deployLocal, recordPath, ROOT } from '../../local/deploy';
import type { FaultProxy } from '../../local/faults/fault-proxy';
import { startFaultProxy } from '../../local/faults/fault-proxy';
import type { DeployedStack } from '../../local/runtime/runtime';
import { openDeployedStack } from '../../local/runtime/runtime';
import { seededRandom } from '../../local/traffic/random';
import type { Alert } from '../../shared/domain/alerts';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { parseRulesConfig } from '../../shared/domain/rules-config';
import type { CommitMode } from '../../shared/state/store';
import { KINDS, streamTitle } from '../../shared/kinds/registry';
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamodb, drainQueue, scanAll, sqs } from '../support/resources';
import type { LedgerLine, Observed } from './audit';
import { audit } from './audit';
import type { Ledger, LedgerOptions } from './ledger';
import { makeLedger, putLedger } from './ledger';
import type { ProxyHooks, RunPlan, RunReport } from './pipeline';
import { runPipeline } from './pipeline';
import type { Reference } from './reference';
import { referenceOf } from './reference';

/**
 * The fault suite: one stack deployed into the emulator, then one case after another, each with a
 * ledger of its own (its tag prefixes every id, so cases share the stack, not their data). A case
 * puts its ledger on the streams, runs the pipeline with its faults until idle, and audits what the
 * system stored and sent against the ledger.
 *
 * Windows are kept open for the whole suite (allowed lateness 24 h) so that every window an event
 * belongs to is still stored at the end, to be checked; nothing else differs from the defaults.
 */
export const CaseName = {
  duplicates: 'duplicates',
  poison: 'poison',
  refusedNumbers: 'refused-numbers',
  restamp: 'restamp',
  skew: 'skew',
  hotEntity: 'hot-entity',
  senderFaults: 'sender-faults',
  replayWhole: 'replay-whole',
  bisect: 'bisect',
  dynamodb: 'dynamodb',
  unreachable: 'unreachable',
  sigkill: 'sigkill',
  fullReplay: 'full-replay',
  combined: 'combined',
  expired: 'expired',
} as const;
export type CaseName = (typeof CaseName)[keyof typeof CaseName];

export const CASE_TITLES: Record<CaseName, string> = {
  duplicates: 'producer duplicates: 5 % of events put twice, some in one batch, some far apart',
  poison: 'poison records: 1 % not JSON, wrong types, too large',
  'refused-numbers': '1 % of records carry a number DynamoDB cannot store (1e-200): refused at validation, quarantined with the reason',
  restamp: 'resends with a new timestamp: 5 % of the transactions put again later, re-stamped up to 2 minutes either way',
  skew: "clock skew: 5 % of the events dated up to 14 minutes ahead (an entity's last one past its arrival), 3 % dated after their window closed",
  'hot-entity': 'one hot user: 30 % of the transactions',
  'sender-faults':
    "SNS refuses 2 % of PublishBatch entries as the sender's fault: those alerts go to publish-alerts' DLQ with the reason, none is sent again",
  'replay-whole': 'batches delivered again whole after the function ran (25 % of invocations)',
  bisect:
    'function errors after the writes, so batches are bisected (10 %), and a record reported failed so batches are retried from it (15 %)',
  dynamodb: 'DynamoDB throttling and 5xx on 10 % of requests, a third of them after the write happened (fault proxy)',
  unreachable: 'the emulator unreachable (connection refused) for 5 s from a random write, then back',
  sigkill: 'the runtime process killed with SIGKILL at random writes, 5 times, and started again (the last start is `riskstream run`)',
  'full-replay': 'a full replay of every stream from the trim horizon (every case so far)',
  combined:
    'all together: duplicates, poison, refused numbers, re-stamped resends, skewed clocks, a hot user, whole replays, bisects, retries from a record, DynamoDB faults, SNS sender faults, an outage, 3 SIGKILLs, then a full replay under faults',
  expired:
    'a redrive after the entity items expired: the ledger run, its entity items deleted and its records aged past the horizon (standing in for TTL and the days it takes), then every stream replayed',
};

export interface SuiteOptions {
  readonly events: number;
  readonly seed: number;
  readonly commitMode: CommitMode;
  /** Progress lines (the ledger lines are printed whatever this is). */
  readonly log?: (line: string) => void;
}

export interface CaseResult {
  readonly name: CaseName;
  readonly line: LedgerLine;
  readonly reports: readonly RunReport[];
  /** What was injected, in words. */
  readonly faults: string;
  readonly seconds: number;
  /** The earlier cases audited again after this case's full replay (full-replay and combined). */
  readonly earlier: readonly LedgerLine[];
}

const DYNAMODB_FAULTS = { throttle: 0.04, serverError: 0.03, errorAfterForward: 0.03 } as const;
/** SNS PublishBatch entries refused as the sender's fault. */
const SENDER_FAULTS = 0.02;
/** The functions' idempotency horizon in this suite: the streams' retention (7 days) plus the allowed lateness (24 h). */
const EXPIRY_HORIZON_MS = 8 * 86_400_000;

export class FaultSuite {
  private stack: DeployedStack | undefined;
  private proxy: FaultProxy | undefined;
  private readonly hooks: ProxyHooks = {};
  private kinesis: KinesisClient | undefined;
  private outputs: Record<string, string> = {};
  private subscriberUrl = '';
  private rules: RulesConfig | undefined;
  private workDir = '';
  readonly stackName: string;
  private readonly name: string;
  private readonly collected = {
    delivered: [] as Alert[],
    quarantined: [] as Array<Record<string, unknown>>,
    skipped: [] as Array<Record<string, unknown>>,
  };
  private readonly done: Array<{ name: CaseName; ledger: Ledger; reference: Reference }> = [];
  readonly results: CaseResult[] = [];
  deploySeconds = 0;

  constructor(private readonly options: SuiteOptions) {
    const id = Date.now().toString(36);
    this.stackName = `RiskstreamFaults${id}`;
    this.name = `rf${id}`;
  }

  private get log(): (line: string) => void {
    return this.options.log ?? (() => undefined);
  }

  async setUp(): Promise<void> {
    const started = Date.now();
    const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
    this.workDir = mkdtempSync(join(tmpdir(), 'riskstream-faults-'));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${this.name}-subscriber` }));
    this.subscriberUrl = queue.QueueUrl ?? '';
    const arn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.subscriberUrl, AttributeNames: ['QueueArn'] }))).Attributes?.[
        'QueueArn'
      ] ?? '';
    const rules = { transactions: { allowedLateness: '24h' }, readings: { allowedLateness: '24h' } };
    this.rules = parseRulesConfig(rules);
    const deployed = await deployLocal({
      endpoint,
      stackName: this.stackName,
      outdir: join(this.workDir, 'cdk.out'),
      log: this.log,
      config: {
        name: this.name,
        commitMode: this.options.commitMode,
        rules,
        subscriptions: { sqs: [{ queueArn: arn, minSeverity: 'info' }] },
      },
    });
    this.outputs = deployed.outputs;
    this.stack = await openDeployedStack(this.stackName, this.log);
    this.proxy = await startFaultProxy({
      target: endpoint,
      seed: this.options.seed,
      onRequest: (r) => this.hooks.onRequest?.(r),
      onForwarded: (r) => this.hooks.onForwarded?.(r),
    });
    this.kinesis = new KinesisClient({ endpoint, requestHandler: new NodeHttpHandler() });
    this.deploySeconds = (Date.now() - started) / 1000;
  }

  async tearDown(): Promise<void> {
    await this.proxy?.close();
    this.kinesis?.destroy();
    for (const file of [
      recordPath(this.stackName),
      ...['checkpoints.json', 'functions.log'].map((f) => join(ROOT, '.riskstream', `${this.stackName}.${f}`)),
    ]) {
      rmSync(file, { force: true });
    }
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    await sqs.send(new PurgeQueueCommand({ QueueUrl: this.subscriberUrl })).catch(() => undefined);
  }

  /** Runs one case and returns its ledger line (audited, not asserted: the caller asserts). */
  async run(name: CaseName): Promise<CaseResult> {
    const started = Date.now();
    const index = this.results.length;
    const seed = this.options.seed * 100 + index;
    const events = this.options.events;
    // Orders beside the events, a tenth as many: the join goes through every fault too.
    const orders = Math.round(events / 10);
    const ledger = makeLedger({ tag: `${tagOf(name)}${index}`, events, seed, orders, ...this.inputFaultsOf(name) });
    const reference = await referenceOf(ledger, this.rules as RulesConfig);
    await putLedger(this.kinesis as KinesisClient, ledger, {
      transactions: this.outputs['TransactionsStreamName'] ?? '',
      readings: this.outputs['ReadingsStreamName'] ?? '',
      orders: this.outputs['OrdersStreamName'] ?? '',
    });
    this.log(`[${name}] ${ledger.records.length} records put (tag ${ledger.tag}); running the pipeline`);

    const reports: RunReport[] = [];
    for (const plan of this.plansOf(name, seed)) {
      const report = await runPipeline(
        { stack: this.stack as DeployedStack, proxy: this.proxy as FaultProxy, hooks: this.hooks, workDir: this.workDir },
        plan,
      );
      this.log(`[${name}] run ${reports.length + 1}: ${report.seconds.toFixed(1)} s, ${report.starts} start(s), ${report.kills} kill(s)`);
      reports.push(report);
    }

    let observed = await this.observe();
    let line = audit(name, ledger, reference, observed);
    if (name === CaseName.expired) ({ line, observed } = await this.expireAndReplay(ledger, line, seed));
    const replayed = name === CaseName.fullReplay || name === CaseName.combined;
    const earlier = replayed ? this.done.map((d) => audit(`${d.name} (after the replay)`, d.ledger, d.reference, observed)) : [];
    // Its entity items are gone on purpose: a later replay's re-audit of its windows would find them missing.
    if (name !== CaseName.expired) this.done.push({ name, ledger, reference });
    const result: CaseResult = {
      name,
      line,
      reports,
      faults: describeFaults(name, reports),
      seconds: (Date.now() - started) / 1000,
      earlier,
    };
    this.results.push(result);
    return result;
  }

  /** What a case's ledger carries beyond clean events: the producers' faults. */
  private inputFaultsOf(name: CaseName): Omit<LedgerOptions, 'tag' | 'events' | 'seed'> {
    const all = name === CaseName.combined;
    const rules = this.rules as RulesConfig;
    // Past the window and its allowed lateness (24 h in this suite), and within the decoder's horizon.
    const byMs = rules.transactions.window + rules.transactions.allowedLateness + 10 * 60_000;
    return {
      duplicateRate: name === CaseName.duplicates || all ? 0.05 : 0,
      poisonRate: name === CaseName.poison || all ? 0.01 : 0,
      refusedNumberRate: name === CaseName.refusedNumbers || all ? 0.01 : 0,
      restampRate: name === CaseName.restamp || all ? 0.05 : 0,
      hostile: {
        skewRate: name === CaseName.skew || all ? 0.05 : 0,
        backdate: { rate: name === CaseName.skew || all ? 0.03 : 0, byMs },
        hotShare: name === CaseName.hotEntity || all ? 0.3 : 0,
      },
    };
  }

  /**
   * The expired case after its first run: its entity items deleted (TTL's work) and its records'
   * `decidedAt` moved back past the horizon (the days TTL needs: it deletes an item only the horizon
   * after its last commit), then every stream replayed. Nothing may be counted, decided or sent again:
   * no entity item comes back, every record is as it was, no alert goes out twice.
   */
  private async expireAndReplay(ledger: Ledger, line: LedgerLine, seed: number): Promise<{ line: LedgerLine; observed: Observed }> {
    const table = this.outputs['StateTableName'] ?? '';
    const mine = (id: unknown) => String(id).startsWith(`${ledger.tag}-`) || String(id).startsWith(`txn-${ledger.tag}-`);
    const aged = Date.now() - EXPIRY_HORIZON_MS - 86_400_000;
    const before = new Map<string, string>();
    for (const item of await scanAll(table)) {
      const key = { pk: { S: String(item['pk']) } };
      if ((item['entityType'] === 'user' || item['entityType'] === 'device') && mine(item['entityId'])) {
        await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key }));
      } else if ((item['itemType'] === 'decision' || item['itemType'] === 'reading') && mine(item['transactionId'] ?? item['readingId'])) {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET decidedAt = :aged',
            ExpressionAttributeValues: { ':aged': { N: String(aged) } },
          }),
        );
        before.set(String(item['pk']), recordFacts({ ...item, decidedAt: aged }));
      }
    }
    const deliveredBefore = this.collected.delivered.length;
    await runPipeline(
      { stack: this.stack as DeployedStack, proxy: this.proxy as FaultProxy, hooks: this.hooks, workDir: this.workDir },
      { seed: seed + 1, fromStart: true },
    );
    const observed = await this.observe();
    const problems = [...line.problems];
    let double = 0;
    for (const item of observed.state) {
      if ((item['entityType'] === 'user' || item['entityType'] === 'device') && mine(item['entityId'])) {
        double += Object.values((item['panes'] ?? {}) as Record<string, { count: number }>).reduce((n, p) => n + p.count, 0);
        problems.push(`entity ${String(item['entityId'])} stored again after its item expired`);
      }
      const was = before.get(String(item['pk']));
      if (was !== undefined && was !== recordFacts(item)) problems.push(`record ${String(item['pk'])} rewritten after its entity expired`);
    }
    const ours = (alerts: readonly Alert[]) => alerts.filter((a) => mine(a.entity?.id));
    const again = ours(observed.delivered.slice(deliveredBefore)).length;
    return {
      observed,
      line: { ...line, double: line.double + double, repeats: { ...line.repeats, alerts: line.repeats.alerts + again }, problems },
    };
  }

  private plansOf(name: CaseName, seed: number): RunPlan[] {
    const n = this.options.events;
    // DynamoDB writes per event, roughly: a conditional put per entity and batch, or a few batch writes.
    const writesPerEvent = this.options.commitMode === 'conditional' ? 0.75 : 0.08;
    const killWithin = (kills: number) => Math.max(5, Math.round((n * writesPerEvent) / (kills + 1)));
    switch (name) {
      case CaseName.replayWhole:
        return [{ seed, delivery: { replayWhole: 0.25 } }];
      case CaseName.bisect:
        return [{ seed, delivery: { bisect: 0.1, retryFrom: 0.15 } }];
      case CaseName.dynamodb:
        return [{ seed, proxyFaults: DYNAMODB_FAULTS }];
      case CaseName.senderFaults:
        return [{ seed, proxyFaults: { senderFault: SENDER_FAULTS } }];
      case CaseName.expired:
        return [{ seed }];
      case CaseName.unreachable:
        return [{ seed, outage: { atWrite: 1 + Math.floor(seededRandom(seed)() * killWithin(1)), ms: 5_000 } }];
      case CaseName.sigkill:
        return [{ seed, kills: 5, killWithin: killWithin(5), finishWithCli: true }];
      case CaseName.fullReplay:
        return [{ seed }, { seed: seed + 1, fromStart: true }];
      case CaseName.combined: {
        const delivery = { replayWhole: 0.1, bisect: 0.05, retryFrom: 0.1 };
        return [
          {
            seed,
            delivery,
            proxyFaults: { ...DYNAMODB_FAULTS, senderFault: SENDER_FAULTS },
            kills: 3,
            killWithin: killWithin(3),
            outage: { atWrite: Math.max(3, Math.round(killWithin(3) / 2)), ms: 3_000 },
          },
          { seed: seed + 1, fromStart: true, delivery, proxyFaults: { ...DYNAMODB_FAULTS, senderFault: SENDER_FAULTS } },
        ];
      }
      default:
        return [{ seed }];
    }
  }

  /** Everything stored, and everything the queues received so far (queues are drained: what was read is kept here). */
  private async observe(): Promise<Observed> {
    const notifications = await drainQueue(this.subscriberUrl);
    this.collected.delivered.push(...notifications.map((n) => JSON.parse(String(n['Message'])) as Alert));
    this.collected.quarantined.push(...(await drainQueue(this.outputs['QuarantineQueueUrl'] ?? '')));
    for (const dlq of [...KINDS.map((kind) => `${streamTitle(kind)}DlqUrl`), 'OrdersDlqUrl', 'PublishAlertsDlqUrl'])
      this.collected.skipped.push(...(await drainQueue(this.outputs[dlq] ?? '')));
    return {
      state: await scanAll(this.outputs['StateTableName'] ?? ''),
      alerts: await scanAll(this.outputs['AlertsTableName'] ?? ''),
      delivered: this.collected.delivered,
      quarantined: this.collected.quarantined,
      skipped: this.collected.skipped,
    };
  }
}

/** What a rewrite of an event record would change. */
function recordFacts(item: Record<string, unknown>): string {
  return JSON.stringify(['basedOn', 'decidedAt', 'action', 'riskScore', 'late', 'status', 'eventTime'].map((k) => item[k] ?? null));
}

function tagOf(name: CaseName): string {
  return {
    duplicates: 'dup',
    poison: 'psn',
    'replay-whole': 'rpw',
    bisect: 'bis',
    dynamodb: 'ddb',
    unreachable: 'unr',
    sigkill: 'kil',
    'full-replay': 'frp',
    combined: 'all',
    'refused-numbers': 'num',
    restamp: 'rst',
    skew: 'skw',
    'hot-entity': 'hot',
    'sender-faults': 'snd',
    expired: 'exp',
  }[name];
}

function describeFaults(name: CaseName, reports: readonly RunReport[]): string {
  const sum = (f: (r: RunReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const parts: string[] = [];
  const injected = sum((r) => r.proxy.injected.throttle + r.proxy.injected.serverError + r.proxy.injected.errorAfterForward);
  if (injected > 0) {
    parts.push(
      `DynamoDB: ${sum((r) => r.proxy.matched)} requests, ${sum((r) => r.proxy.injected.throttle)} throttled, ${sum((r) => r.proxy.injected.serverError)} 5xx, ${sum((r) => r.proxy.injected.errorAfterForward)} 5xx after the write`,
    );
  }
  const refused = sum((r) => r.proxy.injected.senderFault);
  if (refused > 0) parts.push(`SNS: ${refused} PublishBatch entries refused as the sender's fault`);
  const whole = sum((r) => r.delivery.replayedWhole);
  const bisected = sum((r) => r.delivery.bisected);
  const retried = sum((r) => r.delivery.retriedFrom);
  if (whole + bisected + retried > 0)
    parts.push(
      `${sum((r) => r.delivery.invocations)} invocations: ${whole} delivered again whole, ${bisected} bisected, ${retried} retried from a record`,
    );
  const kills = sum((r) => r.kills);
  if (kills > 0)
    parts.push(`${kills} SIGKILLs (${sum((r) => r.killsAfterWrite)} right after a write landed), ${sum((r) => r.starts)} starts`);
  const outages = sum((r) => r.outages);
  if (outages > 0) parts.push(`emulator unreachable ${outages}×`);
  const replay = reports.find((r, i) => i > 0 && r.statuses.length > 0 && (name === CaseName.fullReplay || name === CaseName.combined));
  if (replay) parts.push(`full replay: ${replay.statuses.reduce((n, s) => n + s.stats.recordsRead, 0)} records read again`);
  return parts.join('; ') || 'none';
}
