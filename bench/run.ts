import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../shared/errors';
import { parseArgs } from 'node:util';
import { startMotoServer } from '../local/moto-server';
import { measureBundles } from './bundles';
import { HOT_ENTITY_CASES, measureHotEntity } from './hot-entity';
import { probeReportedCapacity } from './capacity-probe';
import type { CpuOptions, CpuResult } from './cpu';
import { describeMachine, load } from './machine';
import type { OfflineOptions, OfflineResult } from './offline';
import { measureOffline } from './offline';
import type { BenchOptions, BenchReport, SideRuns } from './report';
import { resultsMarkdown, summaryMarkdown, updateBenchmarks } from './report';
import type { Side } from './sides';
import { runSide } from './sides';
import { buildWorkload, firstRecords } from './workload';

const USAGE = `npm run bench -- [options]

  --events N            records delivered to each side, producer duplicates included (default 4000)
  --baseline-events N   the baseline gets only the first N of them (default: all)
  --users N             distinct users (default 2000)
  --duplicates R        share of events the producer puts twice (default 0.05)
  --batch N             records per Lambda batch (default 100)
  --runs N              emulator runs per side, each on a fresh moto server (default 2)
  --cpu-records N       records per CPU repeat (default 100000)
  --cpu-repeats N       CPU repeats (default 5)
  --init-runs N         fresh node processes per bundle for the init time (default 7)
  --offline-runs N      runs of each offline CLI measurement (score, backtest), 0 skips them (default 3)
  --seed N              workload seed (default 1)
  --no-write            print the tables, leave BENCHMARKS.md alone
`;

const SIDES: readonly Side[] = ['baseline', 'conditional', 'single-writer'];

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '4000' },
      'baseline-events': { type: 'string' },
      users: { type: 'string', default: '2000' },
      duplicates: { type: 'string', default: '0.05' },
      batch: { type: 'string', default: '100' },
      runs: { type: 'string', default: '2' },
      'cpu-records': { type: 'string', default: '100000' },
      'cpu-repeats': { type: 'string', default: '5' },
      'init-runs': { type: 'string', default: '7' },
      'offline-runs': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const events = positiveInteger('--events', values.events);
  const options: BenchOptions = {
    events,
    baselineEvents: Math.min(
      events,
      values['baseline-events'] === undefined ? events : positiveInteger('--baseline-events', values['baseline-events']),
    ),
    users: positiveInteger('--users', values.users),
    duplicateRate: fraction('--duplicates', values.duplicates),
    batchSize: positiveInteger('--batch', values.batch),
    seed: positiveInteger('--seed', values.seed),
    runs: positiveInteger('--runs', values.runs),
  };
  const cpuOptions: CpuOptions = {
    records: positiveInteger('--cpu-records', values['cpu-records']),
    warmup: 20_000,
    repeats: positiveInteger('--cpu-repeats', values['cpu-repeats']),
    users: options.users,
    batchSize: options.batchSize,
    seed: options.seed + 100,
  };
  const initRuns = positiveInteger('--init-runs', values['init-runs']);
  const offlineOptions: OfflineOptions = {
    events: 100_000,
    runs: wholeNumber('--offline-runs', values['offline-runs']),
    seed: options.seed,
  };

  // The handlers' clients take region and credentials from the environment; their logs and EMF
  // metrics would only slow the run and bury the tables.
  process.env['AWS_REGION'] ??= 'us-east-1';
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  delete process.env['AWS_ENDPOINT_URL'];

  const say = (text: string): void => void process.stderr.write(`bench: ${text}\n`);
  const machine = describeMachine();
  const workload = buildWorkload({
    events: options.events,
    users: options.users,
    duplicateRate: options.duplicateRate,
    batchSize: options.batchSize,
    seed: options.seed,
  });
  const baselineWorkload = firstRecords(workload, options.baselineEvents);
  say(`workload: ${workload.records.length} records, ${workload.distinct} distinct, ${workload.batches.length} batches`);

  // First, so that a machine without taskset or GNU time fails before the minutes of emulator runs.
  let offline: OfflineResult | undefined;
  if (offlineOptions.runs > 0) {
    say(`offline CLI: start-ups, score and two backtests of ${offlineOptions.events} events, ${offlineOptions.runs} runs each`);
    offline = measureOffline(offlineOptions);
  }

  const probeEmulator = await startMotoServer();
  const probe = await probeReportedCapacity(probeEmulator.endpoint).finally(() => probeEmulator.stop());
  say(`emulator ConsumedCapacity ${probe.emulatorFollowsRule ? 'follows' : 'does not follow'} DynamoDB's rule`);

  const sides: SideRuns[] = SIDES.map((side) => ({ side, runs: [] }));
  for (let run = 1; run <= options.runs; run++) {
    for (const entry of sides) {
      const loadBefore = load();
      const result = await runSide(entry.side, entry.side === 'baseline' ? baselineWorkload : workload);
      (entry.runs as Array<SideRuns['runs'][number]>).push({ ...result, loadBefore, loadAfter: load() });
      say(
        `run ${run}/${options.runs} ${entry.side}: ${result.events} events in ${(result.wallMs / 1000).toFixed(1)} s, ${result.meter.requests} requests`,
      );
    }
  }

  say(`CPU: ${cpuOptions.records} records × ${cpuOptions.repeats} repeats`);
  const loadDuringCpu = load();
  const cpu = measureCpuInChild(cpuOptions);
  say(`bundles and init (${initRuns} runs each)`);
  const bundles = await measureBundles({ initRuns });

  say('one hot entity: item size and write units');
  const hotEntities = [];
  for (const c of HOT_ENTITY_CASES) hotEntities.push(await measureHotEntity(c));

  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 10),
    options,
    machine,
    probe,
    sides,
    cpu,
    bundles,
    loadDuringCpu,
    hotEntities,
    offline,
  };
  process.stdout.write(`${summaryMarkdown(report)}\n\n${resultsMarkdown(report)}\n`);
  if (!values['no-write']) {
    const file = 'BENCHMARKS.md';
    writeFileSync(file, updateBenchmarks(existsSync(file) ? readFileSync(file, 'utf8') : undefined, report));
    say(`wrote ${file}`);
  }
  const wrong = sides.filter((s) => s.runs.some((r) => r.decisionsStored !== r.distinct));
  if (wrong.length > 0) {
    say(`wrong results: ${wrong.map((s) => s.side).join(', ')} did not store one decision per distinct event`);
    return 1;
  }
  return 0;
}

/** The CPU measurement runs in a node process of its own, away from this one's heap and emulator clients. */
function measureCpuInChild(options: CpuOptions): CpuResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'cpu.ts'), JSON.stringify(options)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`CPU benchmark failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as CpuResult;
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}

function wholeNumber(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be 0 or a positive whole number, got "${value}"`);
  return n;
}

function fraction(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`${flag} must be a number from 0 to below 1, got "${value}"`);
  return n;
}

class UsageError extends ConfigurationError {
  override readonly name = 'UsageError';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`bench: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
