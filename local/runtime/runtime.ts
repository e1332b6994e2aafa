import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { emulatorClientConfig } from '../clients';
import type { DeployRecord } from '../deploy';
import { readDeployRecord, ROOT } from '../deploy';
import { answers } from '../emulator';
import type { LoadedFunction } from './functions/invoker';
import { deployedFunction, loadFunction } from './functions/invoker';
import type { DefaultSynth } from './functions/mappings';
import { assetDirsOf, mappingsFromTemplate, physicalIdsOf, synthDefaultTemplate } from './functions/mappings';
import type { ScheduleSpec } from './functions/schedules';
import { schedulesFromTemplate } from './functions/schedules';
import { FileCheckpointStore } from './kinesis/file-checkpoints';
import type { MappingStats } from './kinesis/mapping-runner';
import { createMappingRunner } from './mapping-runners';
import type { Invoke, MappingSpec } from './types';
import { whileUnreachable } from './unreachable';
import { ConfigurationError } from '../../shared/errors';

export interface LocalRuntimeOptions {
  readonly stackName: string;
  /** Ignore the checkpoints and read every source from the trim horizon (a consumer resetting its offset). */
  readonly fromStart?: boolean;
  readonly log?: (line: string) => void;
  /** Where the functions' own logs go; default .riskstream/<stack>.functions.log (as CloudWatch Logs would hold them). */
  readonly functionLogs?: NodeJS.WritableStream;
  /**
   * The stack already opened (openDeployedStack), to save its synth on a restart; its endpoint is where
   * the pollers and the functions reach the emulator (a fault proxy in front of it, say). Default: opened here.
   */
  readonly stack?: DeployedStack;
  /** Wraps every invocation of a function: where a test plays Lambda's own delivery faults (a batch delivered twice, say). */
  readonly invokeThrough?: (functionName: string, invoke: Invoke) => Invoke;
  /** Whether `start()` invokes the scheduled functions at their rates (default true); `runUntilIdle` never does. */
  readonly schedules?: boolean;
}

export interface MappingStatus {
  readonly functionName: string;
  readonly source: string;
  readonly stats: MappingStats;
  /** Wall time spent inside the function's invocations (its code and its calls to the emulator), ms. */
  readonly busyMs: number;
}

export interface LocalRuntime {
  /** The stack it runs: where, and its mappings. */
  readonly stack: DeployedStack;
  readonly mappings: readonly MappingSpec[];
  /** Runs the mappings until no new record came for idleMs, in pipeline order, then stops. */
  runUntilIdle(idleMs: number): Promise<MappingStatus[]>;
  /** Invokes every scheduled function once, now, as if its schedule fired (the incidents sweep). */
  fireSchedules(): Promise<void>;
  /** Runs until stop(), the scheduled functions at their rates included (see LocalRuntimeOptions.schedules). */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): MappingStatus[];
}

export class NotDeployedError extends ConfigurationError {
  override readonly name = 'NotDeployedError';
}

/** A deployed stack as the local runtime sees it: where it runs, and the event source mappings of its default (AWS) synth. */
export interface DeployedStack {
  readonly stackName: string;
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly outputs: Record<string, string>;
  readonly mappings: readonly MappingSpec[];
  /** The scheduled rules' functions (EventBridge on AWS); absent on a stack opened before schedules were run. */
  readonly schedules?: readonly ScheduleSpec[];
  /** Function logical id → its bundle's directory in the synthesized assembly. */
  readonly assetDirs: ReadonlyMap<string, string>;
}

/**
 * Finds the stack deployed from here, checks its emulator answers, and synthesizes it for AWS for
 * its mappings and bundles — or takes that synth from `synthesizing`, started by a caller that
 * knew the account and config earlier (the demo synthesizes while it deploys).
 */
/**
 * The deploy record of a stack deployed from here whose emulator answers, holding the outputs asked
 * for: what every command that reaches a deployed stack checks first, with the same two messages.
 */
export async function reachableDeploy<K extends string>(
  stackName: string,
  outputs: readonly K[] = [],
): Promise<{ readonly deployed: DeployRecord; readonly outputs: Record<K, string> }> {
  const deployed = readDeployRecord(stackName);
  const found = Object.fromEntries(outputs.map((key) => [key, deployed?.outputs[key] ?? ''])) as Record<K, string>;
  if (!deployed || outputs.some((key) => !found[key]))
    throw new NotDeployedError(`the stack ${stackName} is not deployed from here: run \`riskstream up\` first.`);
  if (!(await answers(deployed.endpoint))) {
    throw new NotDeployedError(
      `the emulator ${stackName} was deployed to (${deployed.endpoint}) does not answer: run \`riskstream up\` again.`,
    );
  }
  return { deployed, outputs: found };
}

export async function openDeployedStack(
  stackName: string,
  log: (line: string) => void,
  synthesizing?: Promise<DefaultSynth>,
): Promise<DeployedStack> {
  const { deployed } = await reachableDeploy(stackName);
  const clientConfig = emulatorClientConfig(deployed.endpoint);
  const { region, credentials } = clientConfig;
  const account = (await new STSClient(clientConfig).send(new GetCallerIdentityCommand({}))).Account ?? '';
  const physicalIds = await physicalIdsOf(stackName, new CloudFormationClient(clientConfig));
  const synth = await (synthesizing ?? synthForRuntime({ stackName, config: deployed.config ?? {}, account, region, log }));
  const mappings = mappingsFromTemplate(synth.template, physicalIds, { region, account });
  return {
    stackName,
    endpoint: deployed.endpoint,
    region,
    account,
    credentials,
    outputs: deployed.outputs,
    mappings,
    schedules: schedulesFromTemplate(synth.template, physicalIds),
    assetDirs: synth.assetDirs,
  };
}

/**
 * Synths made by this process, by their inputs. A synth is a function of the code (fixed for a
 * process), the stack name, the config, the account and the region, so a second runtime or redrive
 * in the same process (a test file, the fault suite) reuses the first one's instead of spending
 * ~15 s on `cdk synth` and bundling again. A synth whose assembly was removed meanwhile is made again.
 */
const synths = new Map<string, Promise<DefaultSynth>>();

/** The stack as it deploys to AWS, for its event source mappings and bundles, in cdk.out.local/<stack>/runtime. */
export function synthForRuntime(options: {
  stackName: string;
  config: Record<string, unknown>;
  account: string;
  region: string;
  log: (line: string) => void;
}): Promise<DefaultSynth> {
  const key = JSON.stringify([options.stackName, options.config, options.account, options.region]);
  const made = synths.get(key);
  if (made) {
    return made.then(
      (synth) => (existsSync(synth.templatePath) ? synth : forget(key, options)),
      () => forget(key, options),
    );
  }
  options.log('synthesizing the stack as it deploys to AWS, for its event source mappings…');
  const synth = synthDefaultTemplate({ outdir: runtimeSynthDir(options.stackName), ...options });
  synths.set(key, synth);
  return synth;
}

function runtimeSynthDir(stackName: string): string {
  return join(ROOT, 'cdk.out.local', stackName, 'runtime');
}

/**
 * The synth the runtime made last for this stack, read from disk (a command that only reads the
 * mappings need not bundle every function again); undefined when the runtime never ran it here.
 */
export function lastRuntimeSynth(stackName: string): Promise<DefaultSynth> | undefined {
  const assembly = join(runtimeSynthDir(stackName), 'aws');
  const templatePath = join(assembly, `${stackName}.template.json`);
  if (!existsSync(templatePath)) return undefined;
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as DefaultSynth['template'];
  return Promise.resolve({ template, templatePath, assetDirs: assetDirsOf(template, assembly) });
}

/** Where the runtime keeps its mappings' checkpoints, per stack (FileCheckpointStore). */
export function checkpointPath(stackName: string): string {
  return join(ROOT, '.riskstream', `${stackName}.checkpoints.json`);
}

function forget(key: string, options: Parameters<typeof synthForRuntime>[0]): Promise<DefaultSynth> {
  synths.delete(key);
  return synthForRuntime(options);
}

/** A mapping's function: the deployed bundle in a worker, with the environment the emulator holds for it. */
export async function loadMappedFunction(
  stack: DeployedStack,
  spec: Pick<MappingSpec, 'functionLogicalId' | 'functionName'>,
  logs: NodeJS.WritableStream,
  log: (line: string) => void = () => undefined,
): Promise<LoadedFunction> {
  const { endpoint, region, credentials } = stack;
  const assetDir = stack.assetDirs.get(spec.functionLogicalId);
  if (!assetDir) throw new Error(`no bundle for ${spec.functionLogicalId} in the synthesized assembly`);
  const fn = await whileUnreachable(
    `reading the deployed ${spec.functionName}`,
    () => deployedFunction(spec.functionName, endpoint, region, credentials),
    log,
  );
  return loadFunction({
    functionName: spec.functionName,
    assetDir,
    // The caller's log level reaches the functions' loggers (tests keep them quiet).
    environment: {
      ...fn.environment,
      ...(process.env['POWERTOOLS_LOG_LEVEL'] ? { POWERTOOLS_LOG_LEVEL: process.env['POWERTOOLS_LOG_LEVEL'] } : {}),
    },
    memorySizeMb: fn.memorySizeMb,
    timeoutMs: fn.timeoutMs,
    functionArn: fn.functionArn,
    endpoint,
    region,
    credentials,
    logs,
  });
}

/**
 * The deployed stack, run on this machine where no Lambda service exists (moto): every event source
 * mapping of the default (AWS) synth — the definitions that deploy to AWS — drives the deployed
 * function's bundle from cdk.out in a worker of its own, with the environment the emulator holds for
 * it. Checkpoints per shard live in .riskstream/<stack>.checkpoints.json, so a restart resumes.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stack = options.stack ?? (await openDeployedStack(options.stackName, log));
  const { mappings, endpoint, region, account, credentials } = stack;

  const functionLogs =
    options.functionLogs ?? createWriteStream(join(ROOT, '.riskstream', `${options.stackName}.functions.log`), { flags: 'a' });
  const functions = new Map<string, LoadedFunction>();
  for (const spec of mappings) {
    if (!functions.has(spec.functionName)) functions.set(spec.functionName, await loadMappedFunction(stack, spec, functionLogs, log));
  }

  const checkpointFile = checkpointPath(options.stackName);
  if (options.fromStart) {
    rmSync(checkpointFile, { force: true });
    log('--from-start: checkpoints cleared, every source is read from its trim horizon');
  }
  const checkpoints = new FileCheckpointStore(checkpointFile);
  const busy = new Map<string, number>();
  const timed = (functionName: string) => async (event: unknown) => {
    const started = performance.now();
    try {
      return await (functions.get(functionName) as LoadedFunction).invoke(event);
    } finally {
      busy.set(functionName, (busy.get(functionName) ?? 0) + performance.now() - started);
    }
  };
  const runners = mappings.map((spec) => ({
    spec,
    runner: createMappingRunner({
      spec: options.fromStart ? { ...spec, startingPosition: 'TRIM_HORIZON' } : spec,
      invoke: options.invokeThrough ? options.invokeThrough(spec.functionName, timed(spec.functionName)) : timed(spec.functionName),
      checkpoints,
      endpoint,
      region,
      account,
      credentials,
      log,
    }),
  }));
  const status = (): MappingStatus[] =>
    runners.map(({ spec, runner }) => ({
      functionName: spec.functionName,
      source: spec.source.kind === 'kinesis' ? spec.source.streamName : `${spec.source.tableName} (stream)`,
      stats: runner.stats(),
      busyMs: Math.round(busy.get(spec.functionName) ?? 0),
    }));
  const closeFunctions = async () => {
    await Promise.all([...functions.values()].map((f) => f.close()));
  };
  // Scheduled functions are loaded when first fired: a bounded run never needs them.
  const scheduled = async (spec: ScheduleSpec): Promise<LoadedFunction> => {
    const loaded = functions.get(spec.functionName) ?? (await loadMappedFunction(stack, spec, functionLogs, log));
    functions.set(spec.functionName, loaded);
    return loaded;
  };
  const fire = async (spec: ScheduleSpec): Promise<void> => {
    try {
      await (await scheduled(spec)).invoke(scheduledEvent(spec, region, account));
    } catch (error) {
      // As EventBridge: a failed invocation is logged, and the next one comes at the next period.
      log(`${spec.functionName} (schedule ${spec.ruleLogicalId}) failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const timers: NodeJS.Timeout[] = [];
  return {
    stack,
    mappings,
    status,
    async runUntilIdle(idleMs) {
      try {
        // In pipeline order: the scorers (Kinesis) first, then what reads their output (the outbox's
        // stream), which could otherwise look idle while the scorers still write alerts.
        for (const kind of ['kinesis', 'dynamodb'] as const) {
          await Promise.all(runners.filter(({ spec }) => spec.source.kind === kind).map(({ runner }) => runner.runUntilIdle({ idleMs })));
        }
        return status();
      } finally {
        await closeFunctions();
      }
    },
    async fireSchedules() {
      await Promise.all((stack.schedules ?? []).map(fire));
    },
    async start() {
      if (options.schedules !== false) {
        for (const spec of stack.schedules ?? []) timers.push(setInterval(() => void fire(spec), spec.everyMs));
      }
      await Promise.all(runners.map(({ runner }) => runner.start()));
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.all(runners.map(({ runner }) => runner.stop()));
      await closeFunctions();
    },
  };
}

/** What EventBridge sends a function its schedule invokes. */
function scheduledEvent(spec: ScheduleSpec, region: string, account: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${spec.ruleLogicalId}`],
    detail: {},
  };
}
