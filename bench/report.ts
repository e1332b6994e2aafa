import type { BundleResult } from './bundles';
import type { CapacityProbe } from './capacity-probe';
import type { CpuResult } from './cpu';
import type { HotEntityResult } from './hot-entity';
import { hotEntityMarkdown } from './hot-entity';
import type { Machine } from './machine';
import type { OfflineResult, ProcessRun } from './offline';
import { throughputs } from './offline';
import type { Side, SideResult } from './sides';
import { perThousand, summarize } from './stats';

export interface BenchOptions {
  readonly events: number;
  readonly baselineEvents: number;
  readonly users: number;
  readonly duplicateRate: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly runs: number;
}

/** One side's runs, each with the 1-minute load average before and after it. */
export interface SideRuns {
  readonly side: Side;
  readonly runs: ReadonlyArray<SideResult & { readonly loadBefore: number; readonly loadAfter: number }>;
}

export interface BenchReport {
  readonly date: string;
  readonly options: BenchOptions;
  readonly machine: Machine;
  readonly probe: CapacityProbe;
  readonly sides: readonly SideRuns[];
  readonly cpu: CpuResult;
  readonly bundles: readonly BundleResult[];
  readonly loadDuringCpu: number;
  readonly hotEntities: readonly HotEntityResult[];
  /** Absent when the bench ran with --offline-runs 0. */
  readonly offline?: OfflineResult;
}

export const COMPASS = {
  requestRatio: 1 / 40,
  writeUnitRatio: 1 / 2,
  cpuUs: 10,
  bundleKB: 150,
  offlineStartupMs: 500,
  offlineEventsPerSecond: 50_000,
} as const;

export const MARKERS = {
  summary: ['<!-- bench:summary:start -->', '<!-- bench:summary:end -->'],
  results: ['<!-- bench:results:start -->', '<!-- bench:results:end -->'],
} as const;

const SIDE_LABEL: Record<Side, string> = {
  baseline: 'baseline (Powertools idempotency per record)',
  conditional: 'ours, conditional path alone',
  'single-writer': 'ours, one-writer fast path',
};

/** A side's figures per 1,000 delivered events, over its runs. */
export interface SideFigures {
  readonly side: Side;
  readonly events: number;
  readonly requests: readonly number[];
  readonly writeUnits: readonly number[];
  readonly eventsPerSecond: readonly number[];
  readonly wallSeconds: readonly number[];
  readonly byCommand: Readonly<Record<string, number>>;
  readonly writeUnitsByTable: Readonly<Record<string, number>>;
  readonly reportedWriteUnits: number;
  readonly correct: boolean;
  readonly redelivered: number;
  readonly load: readonly number[];
}

export function sideFigures(runs: SideRuns, useReported: boolean): SideFigures {
  const first = runs.runs[0];
  if (!first) throw new Error(`no runs for ${runs.side}`);
  const per = (n: number, events: number): number => perThousand(n, events);
  return {
    side: runs.side,
    events: first.events,
    requests: runs.runs.map((r) => per(r.meter.requests, r.events)),
    writeUnits: runs.runs.map((r) => per(useReported ? r.meter.reportedWriteUnits : r.meter.writeUnits, r.events)),
    eventsPerSecond: runs.runs.map((r) => r.events / (r.wallMs / 1000)),
    wallSeconds: runs.runs.map((r) => r.wallMs / 1000),
    byCommand: Object.fromEntries(Object.entries(first.meter.byCommand).map(([c, n]) => [c, per(n, first.events)])),
    writeUnitsByTable: Object.fromEntries(
      Object.entries(first.meter.writeUnitsByTable).map(([t, n]) => [tableRole(t), per(n, first.events)]),
    ),
    reportedWriteUnits: per(first.meter.reportedWriteUnits, first.events),
    correct: runs.runs.every((r) => r.decisionsStored === r.distinct && Object.keys(r.meter.unmetered).length === 0),
    redelivered: runs.runs.reduce((n, r) => n + r.redelivered, 0),
    load: runs.runs.flatMap((r) => [r.loadBefore, r.loadAfter]),
  };
}

/** "bench-conditional-state" → "state". */
function tableRole(table: string): string {
  return table.slice(table.lastIndexOf('-') + 1);
}

/** "1/41" when ours is 41 times smaller; "×1.3" when it is larger. */
export function ratio(baseline: number, ours: number): string {
  if (ours <= 0) return '0';
  const r = baseline / ours;
  return r >= 1 ? `1/${formatNumber(r, r >= 10 ? 0 : 2)}` : `×${formatNumber(1 / r, 2)}`;
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "12" for one value or equal values, else "10–14". */
export function range(values: readonly number[], digits = 0): string {
  const s = summarize(values);
  const lo = formatNumber(s.min, digits);
  const hi = formatNumber(s.max, digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

function median(values: readonly number[]): number {
  return summarize(values).median;
}

export function summaryMarkdown(report: BenchReport): string {
  const figures = report.sides.map((s) => sideFigures(s, report.probe.emulatorFollowsRule));
  const baseline = figures.find((f) => f.side === 'baseline');
  if (!baseline) throw new Error('the report needs the baseline side');
  const ours = figures.filter((f) => f.side !== 'baseline');
  const o = report.options;
  const lines = [
    `Against the per-record baseline (Powertools idempotency around each record, then a window update and a decision put), per 1,000 events, on moto ${report.machine.moto}: ${workloadText(o)}; ${o.runs} run${o.runs === 1 ? '' : 's'} each, ${report.date}.`,
    '',
    '| ours | DynamoDB requests | write units | events/s |',
    '|---|---|---|---|',
    ...ours.map(
      (f) =>
        `| ${SIDE_LABEL[f.side]} | **${ratio(median(baseline.requests), median(f.requests))}** (${range(f.requests)} vs ${range(baseline.requests)}) | **${ratio(median(baseline.writeUnits), median(f.writeUnits))}** (${range(f.writeUnits)} vs ${range(baseline.writeUnits)}) | ×${formatNumber(median(f.eventsPerSecond) / median(baseline.eventsPerSecond), 1)} (${range(f.eventsPerSecond)} vs ${range(baseline.eventsPerSecond, 1)}) |`,
    ),
    '',
    `Compass: ${compassText(report, baseline, ours).join('; ')}.`,
  ];
  return lines.join('\n');
}

function workloadText(o: BenchOptions): string {
  const events =
    o.baselineEvents === o.events
      ? `${formatNumber(o.events)} events`
      : `${formatNumber(o.events)} events (baseline: the first ${formatNumber(o.baselineEvents)})`;
  return `${events}, ${formatNumber(o.duplicateRate * 100)} % producer duplicates, batches of ${o.batchSize}, ${formatNumber(o.users)} users`;
}

function met(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

function compassText(report: BenchReport, baseline: SideFigures, ours: readonly SideFigures[]): string[] {
  const requestParts = ours.map((f) => {
    const r = median(f.requests) / median(baseline.requests);
    return `${f.side} ${ratio(median(baseline.requests), median(f.requests))} ${met(r <= COMPASS.requestRatio)}`;
  });
  const unitParts = ours.map((f) => {
    const r = median(f.writeUnits) / median(baseline.writeUnits);
    return `${f.side} ${formatNumber(r, 2)} ${met(r <= COMPASS.writeUnitRatio)}`;
  });
  const cpu = summarize(report.cpu.full.cpu).median;
  const largest = [...report.bundles].sort((a, b) => b.bytes - a.bytes);
  const over = largest.filter((b) => b.bytes / 1024 > COMPASS.bundleKB);
  return [
    `requests ≤ 1/40 of the baseline: ${requestParts.join(', ')}`,
    `write units ≤ 1/2: ${unitParts.join(', ')}`,
    `CPU ≤ 10 µs per record: ${formatNumber(cpu, 1)} µs ${met(cpu <= COMPASS.cpuUs)}`,
    `bundle ≤ 150 KB: ${over.length === 0 ? `met (largest ${largest[0]?.name} ${kb(largest[0]?.bytes ?? 0)} KB)` : `**not met** by ${over.map((b) => `${b.name} (${kb(b.bytes)} KB)`).join(', ')}`}`,
  ];
}

function kb(bytes: number): string {
  return formatNumber(bytes / 1024, 1);
}

export function resultsMarkdown(report: BenchReport): string {
  const useReported = report.probe.emulatorFollowsRule;
  const figures = report.sides.map((s) => sideFigures(s, useReported));
  const o = report.options;
  const cpu = report.cpu;
  const out: string[] = [];
  out.push(
    `Run of ${report.date}: \`npm run bench -- --events ${o.events}${o.baselineEvents !== o.events ? ` --baseline-events ${o.baselineEvents}` : ''} --runs ${o.runs}\` (seed ${o.seed}).`,
    '',
  );

  out.push('### DynamoDB per 1,000 events', '');
  out.push(
    `Write units ${useReported ? "as the emulator reported them (it follows DynamoDB's rule, see below)" : "computed from item sizes by DynamoDB's rule (the emulator does not report them by that rule, see below)"}. Ranges are over the runs.`,
    '',
  );
  out.push(
    '| side | events | requests | requests by command | write units | write units by table | wall s | events/s | load (1 min) | check |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const commands = Object.entries(f.byCommand)
      .map(([c, n]) => `${c} ${formatNumber(n)}`)
      .join(', ');
    const tables = Object.entries(f.writeUnitsByTable)
      .map(([t, n]) => `${t} ${formatNumber(n)}`)
      .join(', ');
    const check = f.correct
      ? `one decision per distinct event${f.redelivered ? `; ${f.redelivered} redelivered` : ''}`
      : '**wrong count or unmetered writes**';
    out.push(
      `| ${SIDE_LABEL[f.side]} | ${formatNumber(f.events)} | ${range(f.requests)} | ${commands} | ${range(f.writeUnits)} | ${tables} | ${range(f.wallSeconds, 1)} | ${range(f.eventsPerSecond, 1)} | ${range(f.load, 1)} | ${check} |`,
    );
  }
  out.push('');
  out.push("What the emulator reports as ConsumedCapacity, against DynamoDB's rule:", '');
  out.push('| probe write | reported | by the rule |', '|---|---|---|');
  for (const c of report.probe.checks) out.push(`| ${c.write} | ${c.reported ?? 'nothing'} | ${c.rule} |`);
  out.push('');
  out.push(
    `Reported by the emulator in the first run, per 1,000 events: ${figures.map((f) => `${f.side} ${formatNumber(f.reportedWriteUnits)}`).join(', ')} (the baseline's idempotency writes do not ask for it; the meter asks on their behalf).`,
    '',
  );

  out.push('### CPU per record (no I/O)', '');
  out.push(
    `${formatNumber(cpu.options.records)} records (${formatNumber(cpu.options.users)} users, 5 % duplicates, batches of ${cpu.options.batchSize}) after a warm-up of ${formatNumber(cpu.options.warmup)}, ${cpu.options.repeats} repeats, each from an empty in-memory store; process CPU time (user + system) per record, and wall time. Load average during the measurement: ${formatNumber(report.loadDuringCpu, 1)}.`,
    '',
  );
  out.push('| stage | CPU µs/record: median | mean ± sd | min–max | wall µs/record: median |', '|---|---|---|---|---|');
  const stages: Array<[string, typeof cpu.full]> = [
    ['decode + validate + score + aggregate', cpu.full],
    ['decode + validate (base64, JSON, event validator)', cpu.decodeValidate],
    ['score + aggregate (scoreBatch, memory store)', cpu.scoreAggregate],
  ];
  for (const [stage, timing] of stages) {
    const s = summarize(timing.cpu);
    out.push(
      `| ${stage} | ${formatNumber(s.median, 1)} | ${formatNumber(s.mean, 1)} ± ${formatNumber(s.sd, 1)} | ${range(timing.cpu, 1)} | ${formatNumber(summarize(timing.wall).median, 1)} |`,
    );
  }
  out.push('');

  out.push('### One hot entity', '');
  out.push(
    "Item size and write units of one busy user or device, through the pipeline on the in-memory store, weighed by DynamoDB's size and write-unit rules (`bench/hot-entity.ts`; single-writer commits, so one state write per batch). The item keeps the ids of its last commits only; each event has a record of its own (a decision, a reading's status). DynamoDB refuses items over 400 KB: from that event on, the entity's events would be quarantined. The per-record baseline spends 3.9 write units an event. Before the item kept only its recent commits' ids (every id of the open windows, no reading records): a user at 40/s in batches of 100 reached 422.2 KB, refused from event 34,100, at 3.12 units an event; at 1/s one event per batch 7.00; a device at 40/s 316.7 KB and 1.59, at 1/s one reading per batch 4.69.",
    '',
    hotEntityMarkdown(report.hotEntities),
    '',
  );

  out.push('### Bundles and module init', '');
  out.push('| function | bundle KB | largest parts (KB) | init ms: median (min–max) | of which AWS SDK: median |', '|---|---|---|---|---|');
  for (const b of report.bundles) {
    const parts = b.largest.map((p) => `${p.source} ${kb(p.bytes)}`).join(', ');
    out.push(
      `| ${b.name} | ${kb(b.bytes)} | ${parts} | ${formatNumber(median(b.initMs))} (${range(b.initMs)}) | ${formatNumber(median(b.sdkMs))} |`,
    );
  }
  out.push('');

  if (report.offline) out.push(offlineMarkdown(report.offline), '');

  const m = report.machine;
  out.push('### Machine', '');
  out.push(
    `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; moto ${m.moto}; ${Object.entries(m.packages)
      .map(([p, v]) => `${p} ${v}`)
      .join(', ')}.`,
  );
  return out.join('\n');
}

/** The offline commands' section: wall and CPU time per spawned process, events/s after start-up, each against its target. */
export function offlineMarkdown(o: OfflineResult): string {
  const cpu = (runs: readonly ProcessRun[]): string => `${formatNumber(median(runs.map((r) => r.cpuMs / 1000)), 2)} s`;
  const startupRow = (command: string, runs: readonly ProcessRun[]): string => {
    const wall = runs.map((r) => r.wallMs);
    const target = `< ${formatNumber(COMPASS.offlineStartupMs / 1000, 1)} s ${met(median(wall) < COMPASS.offlineStartupMs)}`;
    return `| ${command} | ${formatNumber(median(wall))} ms (${range(wall)}) | ${cpu(runs)} | | ${target} |`;
  };
  const eventsRow = (command: string, runs: readonly ProcessRun[], startup: readonly ProcessRun[]): string => {
    const wall = runs.map((r) => r.wallMs / 1000);
    const perSecond = throughputs(o.events, runs, startup);
    const target = `≥ ${formatNumber(COMPASS.offlineEventsPerSecond)}/s ${met(median(perSecond) >= COMPASS.offlineEventsPerSecond)}`;
    return `| ${command} | ${formatNumber(median(wall), 2)} s (${range(wall, 2)}) | ${cpu(runs)} | ${formatNumber(median(perSecond))} (${range(perSecond)}) | ${target} |`;
  };
  const readings = o.events - o.transactions;
  return [
    '### Offline scoring (`riskstream score`, `riskstream backtest`)',
    '',
    `\`node bin/riskstream.js\` spawned afresh for each run as a user runs it, on one core (\`taskset -c ${o.core}\`), under GNU time for its CPU (user + system, all its threads): the start-ups are \`score < /dev/null\` and a \`backtest\` of an empty file; \`score\` gets ${formatNumber(o.events)} events (\`takeTraffic\`, seed ${o.seed}: ${formatNumber(o.transactions)} transactions, ${formatNumber(readings)} readings) piped to stdin, stdout to /dev/null; \`backtest --rules candidate.json --file events.jsonl\` judges the same events, the default rules live (no stack), against a candidate that lowers the large amount to 500, then one that also lowers the temperature warning to 70. ${o.runs} run${o.runs === 1 ? '' : 's'} each, in rounds; events/s after start-up = events / (wall − the same command's median start-up). Load average (1 min) during the runs: ${range(o.load, 1)}.`,
    '',
    '| command | wall: median (min–max) | CPU: median | events/s after start-up: median (min–max) | target |',
    '|---|---|---|---|---|',
    startupRow('start-up: `score < /dev/null`', o.startup),
    startupRow('start-up: `backtest` of an empty file', o.backtestStartup),
    eventsRow('`score`', o.score, o.startup),
    eventsRow('`backtest`, candidate changes transactions', o.backtestTransactions, o.backtestStartup),
    eventsRow('`backtest`, candidate changes transactions and readings', o.backtestBoth, o.backtestStartup),
  ].join('\n');
}

/** Puts `content` between the start and end marker, or returns undefined if the text lacks them. */
export function replaceBetween(text: string, [start, end]: readonly [string, string], content: string): string | undefined {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** BENCHMARKS.md with both generated blocks replaced; a file without the markers gets a new skeleton around them. */
export function updateBenchmarks(existing: string | undefined, report: BenchReport): string {
  const summary = summaryMarkdown(report);
  const results = resultsMarkdown(report);
  const withSummary = existing === undefined ? undefined : replaceBetween(existing, MARKERS.summary, summary);
  const updated = withSummary === undefined ? undefined : replaceBetween(withSummary, MARKERS.results, results);
  if (updated !== undefined) return updated;
  return [
    '# Benchmarks',
    '',
    MARKERS.summary[0],
    summary,
    MARKERS.summary[1],
    '',
    'How the figures are made: see `bench/` and this file in git history (the method section was missing).',
    '',
    '## Results',
    '',
    MARKERS.results[0],
    results,
    MARKERS.results[1],
    '',
  ].join('\n');
}
