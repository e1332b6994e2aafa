import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { takeTraffic } from '../local/traffic/generator';
import { load } from './machine';
import { summarize } from './stats';

/**
 * The offline commands timed as a user runs them: `node bin/riskstream.js` spawned afresh for every
 * run, pinned to one core, so start-up (tsx compiling the CLI's sources) counts as it does for them.
 */
export interface OfflineOptions {
  readonly events: number;
  /** Rounds of the start-ups, score and both backtests, one after the other, so that load drift touches all alike. */
  readonly runs: number;
  readonly seed: number;
  readonly root?: string;
}

/** One spawned process: wall time from spawn to exit, and its CPU time (user + system, its threads included). */
export interface ProcessRun {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface OfflineResult {
  readonly events: number;
  readonly transactions: number;
  readonly runs: number;
  readonly seed: number;
  readonly core: number;
  /** `score` with empty stdin. */
  readonly startup: readonly ProcessRun[];
  /** `backtest --file` of an empty file: its own start-up (it loads a few more modules than `score`). */
  readonly backtestStartup: readonly ProcessRun[];
  readonly score: readonly ProcessRun[];
  /** `backtest --file` with a candidate that changes the transaction rules only: readings are judged once. */
  readonly backtestTransactions: readonly ProcessRun[];
  /** `backtest --file` with a candidate that changes both kinds' rules: every event is judged twice. */
  readonly backtestBoth: readonly ProcessRun[];
  /** The 1-minute load average before and after each round. */
  readonly load: readonly number[];
}

/** The one core every process runs on: the target is throughput per core. */
const CORE = 0;

/** A stack name never deployed, so backtest takes the default rules as the live side and calls nothing. */
const NO_STACK = 'RiskstreamBenchNoStack';

const CANDIDATE_TRANSACTIONS = { transactions: { largeAmount: { amount: 500 } } } as const;
const CANDIDATE_BOTH = { ...CANDIDATE_TRANSACTIONS, readings: { temperature: { warning: 70 } } } as const;

/** Marks GNU time's line on stderr, apart from what the command itself writes there. */
const CPU_MARK = 'riskstream-bench-cpu';

export function measureOffline(options: OfflineOptions): OfflineResult {
  const root = resolve(options.root ?? '.');
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-offline-'));
  try {
    const traffic = takeTraffic(options.events, { seed: options.seed });
    const eventsFile = join(dir, 'events.jsonl');
    const lines = Buffer.from(`${traffic.map((e) => JSON.stringify(e.event)).join('\n')}\n`);
    writeFileSync(eventsFile, lines);
    const emptyFile = join(dir, 'empty.jsonl');
    writeFileSync(emptyFile, '');
    const candidateTransactions = join(dir, 'candidate-transactions.json');
    const candidateBoth = join(dir, 'candidate-both.json');
    writeFileSync(candidateTransactions, JSON.stringify(CANDIDATE_TRANSACTIONS));
    writeFileSync(candidateBoth, JSON.stringify(CANDIDATE_BOTH));
    const backtest = (rules: string, file: string) => ['backtest', '--rules', rules, '--file', file, '--stack', NO_STACK];

    const startup: ProcessRun[] = [];
    const backtestStartup: ProcessRun[] = [];
    const score: ProcessRun[] = [];
    const backtestTransactions: ProcessRun[] = [];
    const backtestBoth: ProcessRun[] = [];
    const loads: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      loads.push(load());
      startup.push(timeCli(root, ['score']));
      backtestStartup.push(timeCli(root, backtest(candidateTransactions, emptyFile)));
      score.push(timeCli(root, ['score'], lines));
      backtestTransactions.push(timeCli(root, backtest(candidateTransactions, eventsFile)));
      backtestBoth.push(timeCli(root, backtest(candidateBoth, eventsFile)));
      loads.push(load());
    }
    return {
      events: traffic.length,
      transactions: traffic.filter((e) => e.kind === 'transaction').length,
      runs: options.runs,
      seed: options.seed,
      core: CORE,
      startup,
      backtestStartup,
      score,
      backtestTransactions,
      backtestBoth,
      load: loads,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `node bin/riskstream.js <args>` on one core under GNU time, stdout to /dev/null; `input` is piped to
 * its stdin, else stdin is /dev/null. Node's own child-process API reports no CPU time of a child.
 */
function timeCli(root: string, args: readonly string[], input?: Buffer): ProcessRun {
  const tasksetArgs = [
    '-c',
    String(CORE),
    '/usr/bin/time',
    '-f',
    `${CPU_MARK} %U %S`,
    process.execPath,
    join(root, 'bin', 'riskstream.js'),
    ...args,
  ];
  const started = performance.now();
  const child = spawnSync('taskset', tasksetArgs, {
    cwd: root,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  const wallMs = performance.now() - started;
  if (child.error) throw new Error(`cannot run taskset ${tasksetArgs.join(' ')} (needs taskset and GNU time): ${child.error.message}`);
  if (child.status !== 0) throw new Error(`taskset ${tasksetArgs.join(' ')} exited with ${child.status}: ${child.stderr}`);
  return { wallMs, cpuMs: cpuMsFromTime(child.stderr) };
}

/** User + system ms from the line GNU time writes last on stderr ("riskstream-bench-cpu 2.77 0.15"). */
export function cpuMsFromTime(stderr: string): number {
  const match = [...stderr.matchAll(new RegExp(`^${CPU_MARK} (\\d+\\.\\d+) (\\d+\\.\\d+)$`, 'gm'))].pop();
  if (!match) throw new Error(`no CPU time from GNU time in: ${stderr.slice(-500)}`);
  return (Number(match[1]) + Number(match[2])) * 1000;
}

/** Events per second once the process has started: the median start-up is taken off each run's wall time. */
export function eventsPerSecondAfterStartup(events: number, wallMs: number, startupMs: number): number {
  if (wallMs <= startupMs) throw new Error(`a run of ${wallMs} ms is no longer than the start-up of ${startupMs} ms`);
  return events / ((wallMs - startupMs) / 1000);
}

/** Each run's events/s after the median of the same command's start-ups. */
export function throughputs(events: number, runs: readonly ProcessRun[], startup: readonly ProcessRun[]): number[] {
  const startupMs = summarize(startup.map((r) => r.wallMs)).median;
  return runs.map((r) => eventsPerSecondAfterStartup(events, r.wallMs, startupMs));
}
