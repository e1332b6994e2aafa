import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryFaultRates, DeliveryFaultStats } from '../../local/faults/delivery-faults';
import type { FaultProxy, FaultProxyStats, FaultRates, ProxiedRequest } from '../../local/faults/fault-proxy';
import { ROOT } from '../../local/deploy';
import type { DeployedStack, MappingStatus } from '../../local/runtime/runtime';
import { seededRandom } from '../../local/traffic/random';
import type { RunnerConfig } from './runner';

/**
 * Runs the deployed pipeline (the local runtime, in a child process) until it is idle, with the
 * faults of a plan: DynamoDB errors from the fault proxy every request of the runtime passes
 * through, Lambda's delivery faults around the invocations, the process killed (SIGKILL) at random
 * DynamoDB writes and started again, the emulator made unreachable for a while.
 */
export interface RunPlan {
  readonly seed: number;
  /** Replay every source from its trim horizon (`run --from-start`). */
  readonly fromStart?: boolean;
  readonly delivery?: DeliveryFaultRates;
  /** DynamoDB errors (and SNS sender faults) injected by the proxy while this run lasts. */
  readonly proxyFaults?: FaultRates;
  /** How many times the process is killed, each time at a random DynamoDB write, then started again. */
  readonly kills?: number;
  /** A kill comes at a write drawn from 1..killWithin writes after a start. */
  readonly killWithin?: number;
  /** The proxy stops (connection refused) at this write for `ms`, then listens again. */
  readonly outage?: { readonly atWrite: number; readonly ms: number };
  /** The last start, once the kills are done, is `riskstream run --idle-exit` (the CLI, straight to the emulator). */
  readonly finishWithCli?: boolean;
  readonly idleMs?: number;
}

export interface RunReport {
  readonly starts: number;
  readonly kills: number;
  readonly killsAfterWrite: number;
  readonly outages: number;
  readonly seconds: number;
  readonly delivery: DeliveryFaultStats;
  /** What the proxy did during this run. */
  readonly proxy: FaultProxyStats;
  /** The statuses of the run that went on until idle. */
  readonly statuses: readonly MappingStatus[];
}

/** The proxy's hooks call into the run under way. */
export interface ProxyHooks {
  onRequest?: (request: ProxiedRequest) => 'drop' | void;
  onForwarded?: (request: ProxiedRequest) => 'drop' | void;
}

export interface PipelineTarget {
  readonly stack: DeployedStack;
  readonly proxy: FaultProxy;
  readonly hooks: ProxyHooks;
  /** Where runner configs go. */
  readonly workDir: string;
}

const RUNNER = join(__dirname, 'runner.ts');
const WRITES = new Set(['PutItem', 'BatchWriteItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);
const isWrite = (r: ProxiedRequest) => r.target.startsWith('DynamoDB_20120810.') && WRITES.has(r.operation);

export async function runPipeline(target: PipelineTarget, plan: RunPlan): Promise<RunReport> {
  const started = Date.now();
  const random = seededRandom(plan.seed);
  const idleMs = plan.idleMs ?? 2_000;
  const { proxy, hooks } = target;
  const before = proxy.stats();
  proxy.setFaults(plan.proxyFaults ?? {});

  const configPath = join(target.workDir, `runner-${plan.seed}-${Date.now()}.json`);
  const config: RunnerConfig = {
    stack: { ...target.stack, endpoint: proxy.url, assetDirs: [...target.stack.assetDirs] },
    fromStart: plan.fromStart === true,
    idleMs,
    ...(plan.delivery ? { delivery: plan.delivery } : {}),
    seed: plan.seed,
  };

  let killsLeft = plan.kills ?? 0;
  let kills = 0;
  let killsAfterWrite = 0;
  let outages = 0;
  let child: ChildProcess | undefined;
  let writes = 0;
  let killAt = 0;
  let killAfterWrite = false;
  // Armed once the drawn write is reached; the kill then comes with the first write that lands, because
  // the drawn one may be throttled by the proxy and never forwarded (a kill waiting on it never came).
  let killArmed = false;
  const kill = () => {
    killArmed = false;
    killAt = Infinity; // one kill a start: requests already in flight from the dying process must not count again
    killsLeft--;
    kills++;
    child?.kill('SIGKILL');
  };
  hooks.onRequest = (request) => {
    if (!isWrite(request)) return;
    writes++;
    if (plan.outage && outages === 0 && writes >= plan.outage.atWrite) {
      outages++;
      void proxy.stop().then(() => setTimeout(() => void proxy.start(), plan.outage?.ms));
      return 'drop';
    }
    // At or after the drawn write: the outage may have taken the drawn one itself.
    if (killsLeft > 0 && writes >= killAt && !killArmed) {
      if (!killAfterWrite) {
        kill();
        return 'drop';
      }
      killArmed = true;
    }
  };
  hooks.onForwarded = (request) => {
    if (!killArmed || !isWrite(request)) return;
    killsAfterWrite++;
    kill();
    return 'drop';
  };

  let starts = 0;
  let delivery: DeliveryFaultStats = { invocations: 0, replayedWhole: 0, bisected: 0, retriedFrom: 0 };
  let statuses: MappingStatus[] = [];
  try {
    writeFileSync(configPath, JSON.stringify(config));
    for (;;) {
      starts++;
      writes = 0;
      killArmed = false;
      killAt = 1 + Math.floor(random() * Math.max(1, plan.killWithin ?? 100));
      killAfterWrite = random() < 0.5;
      const viaCli = plan.finishWithCli === true && killsLeft === 0 && (plan.kills ?? 0) > 0;
      const command = viaCli
        ? [join(ROOT, 'bin', 'riskstream.js'), 'run', '--idle-exit', String(idleMs / 1000), '--stack', target.stack.stackName]
        : ['-r', 'tsx/cjs', RUNNER, configPath];
      const outcome = await runChild(command, (c) => {
        child = c;
      });
      child = undefined;
      if (outcome.signal === 'SIGKILL') continue; // killed by us: start again, as a supervisor would
      if (outcome.code !== 0) throw new Error(`the runtime exited with ${outcome.code ?? outcome.signal}: ${outcome.stderr.slice(-3000)}`);
      if (viaCli) {
        statuses = [];
      } else {
        const last = JSON.parse(outcome.stdout.trim().split('\n').pop() ?? '{}') as {
          statuses: MappingStatus[];
          delivery: DeliveryFaultStats | null;
        };
        statuses = last.statuses;
        if (last.delivery) delivery = last.delivery;
      }
      break;
    }
  } finally {
    hooks.onRequest = undefined;
    hooks.onForwarded = undefined;
    proxy.setFaults({});
    await proxy.start();
  }
  const after = proxy.stats();
  return {
    starts,
    kills,
    killsAfterWrite,
    outages,
    seconds: (Date.now() - started) / 1000,
    delivery,
    proxy: {
      forwarded: after.forwarded - before.forwarded,
      matched: after.matched - before.matched,
      dropped: after.dropped - before.dropped,
      injected: {
        throttle: after.injected.throttle - before.injected.throttle,
        serverError: after.injected.serverError - before.injected.serverError,
        errorAfterForward: after.injected.errorAfterForward - before.injected.errorAfterForward,
        senderFault: after.injected.senderFault - before.injected.senderFault,
      },
    },
    statuses,
  };
}

interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(args: readonly string[], started: (child: ChildProcess) => void): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    started(child);
  });
}
