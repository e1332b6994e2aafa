import type { OfflineResult } from '../../../bench/offline';
import type { BenchReport, SideRuns } from '../../../bench/report';
import {
  MARKERS,
  offlineMarkdown,
  range,
  ratio,
  replaceBetween,
  resultsMarkdown,
  summaryMarkdown,
  updateBenchmarks,
} from '../../../bench/report';
import type { Side } from '../../../bench/sides';
import { summarize } from '../../../bench/stats';

function side(name: Side, requests: number, writeUnits: number, wallMs: number): SideRuns {
  const run = {
    side: name,
    events: 1000,
    distinct: 950,
    wallMs,
    meter: {
      requests,
      byCommand: { PutItem: requests },
      writeUnits,
      writeUnitsByTable: { [`bench-${name}-state`]: writeUnits },
      reportedWriteUnits: 1,
      unmetered: {},
    },
    redelivered: 0,
    decisionsStored: 950,
    loadBefore: 1,
    loadAfter: 2,
  };
  return { side: name, runs: [run, { ...run, wallMs: wallMs * 1.1 }] };
}

const cpuTiming = { cpu: [8, 9, 10], wall: [9, 10, 11] };
const report: BenchReport = {
  date: '2026-04-25',
  options: { events: 1000, baselineEvents: 1000, users: 2000, duplicateRate: 0.05, batchSize: 100, seed: 1, runs: 2 },
  machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 24, os: 'linux', node: 'v20', moto: '5.2.1', packages: { zod: '4' } },
  probe: { checks: [{ write: 'PutItem of a 2.5 KB item', reported: 1, rule: 3 }], emulatorFollowsRule: false },
  sides: [side('baseline', 3850, 3850, 40_000), side('conditional', 960, 1880, 6_000), side('single-writer', 90, 1880, 1_500)],
  cpu: {
    options: { records: 1000, warmup: 100, repeats: 3, users: 2000, batchSize: 100, seed: 1 },
    full: cpuTiming,
    decodeValidate: cpuTiming,
    scoreAggregate: cpuTiming,
  },
  bundles: [
    { name: 'score-transactions', bytes: 160_000, largest: [{ source: 'zod', bytes: 90_000 }], initMs: [300, 320], sdkMs: [200, 210] },
  ],
  loadDuringCpu: 1.5,
  hotEntities: [
    {
      label: 'one user at 40/s for 15 min, batches of 100',
      kind: 'user',
      rate: 40,
      minutes: 15,
      perBatch: 100,
      events: 36_000,
      maxItemKb: 422.2,
      firstOverLimit: 34_100,
      stateWcuPerEvent: 2.123,
      recordWcuPerEvent: 1,
    },
  ],
};

describe('bench report', () => {
  it('writes a ratio as "1/n" when ours is smaller and "×n" when larger', () => {
    expect(ratio(3850, 90)).toBe('1/43');
    expect(ratio(3850, 1880)).toBe('1/2.05');
    expect(ratio(100, 200)).toBe('×2.00');
  });

  it('writes a range, or one figure when the runs agree', () => {
    expect(range([3, 3])).toBe('3');
    expect(range([12.04, 9.96], 1)).toBe('10.0–12.0');
  });

  it('puts the ratios against the baseline and the compass in the summary', () => {
    const summary = summaryMarkdown(report);

    expect(summary).toContain('| ours, one-writer fast path | **1/43** (90 vs 3,850)');
    expect(summary).toContain('| ours, conditional path alone | **1/4.01** (960 vs 3,850) | **1/2.05**');
    expect(summary).toContain('requests ≤ 1/40 of the baseline: conditional 1/4.01 **not met**, single-writer 1/43 met');
    expect(summary).toContain('CPU ≤ 10 µs per record: 9.0 µs met');
    expect(summary).toContain('bundle ≤ 150 KB: **not met** by score-transactions (156.3 KB)');
  });

  it('gives each hot entity its largest item, where DynamoDB starts refusing it, and its write units an event', () => {
    expect(resultsMarkdown(report)).toContain(
      '| one user at 40/s for 15 min, batches of 100 | 36,000 | 422.2 KB | from event 34,100 | 2.12 | 1.00 | 3.12 |',
    );
  });

  it('replaces only what lies between the markers, and keeps the rest of the file', () => {
    const existing = [
      '# Benchmarks',
      MARKERS.summary[0],
      'old summary',
      MARKERS.summary[1],
      '## Method',
      'kept by hand',
      MARKERS.results[0],
      'old',
      MARKERS.results[1],
      'tail',
    ].join('\n');

    const updated = updateBenchmarks(existing, report);

    expect(updated.startsWith(`# Benchmarks\n${MARKERS.summary[0]}\nAgainst the per-record baseline`)).toBe(true);
    expect(updated).toContain('## Method\nkept by hand');
    expect(updated).not.toContain('old summary');
    expect(updated.endsWith(`${MARKERS.results[1]}\ntail`)).toBe(true);
    expect(replaceBetween('no markers here', MARKERS.summary, 'x')).toBeUndefined();
  });

  it('writes a skeleton around the generated blocks when the file has no markers', () => {
    const created = updateBenchmarks(undefined, report);

    expect(created).toContain(MARKERS.summary[0]);
    expect(created).toContain(MARKERS.results[1]);
  });
});

const runs = (wallMs: readonly number[], cpuMs: readonly number[]) => wallMs.map((w, i) => ({ wallMs: w, cpuMs: cpuMs[i] ?? 0 }));
const offline: OfflineResult = {
  events: 100_000,
  transactions: 70_000,
  runs: 3,
  seed: 1,
  core: 0,
  load: [1.2, 2.4],
  // The median start-ups are 320 and 720 ms: scoring takes 2.0, 2.1 and 1.9 s after its own.
  startup: runs([300, 600, 320], [280, 310, 300]),
  backtestStartup: runs([720, 700, 750], [650, 640, 660]),
  score: runs([2320, 2420, 2220], [2200, 2300, 2250]),
  backtestTransactions: runs([4720, 4720, 4720], [4000, 4100, 4200]),
  backtestBoth: runs([5720, 5820, 5620], [5000, 5100, 5200]),
};

describe('offline scoring section', () => {
  it('gives start-ups in ms and each command in s with its events/s after its own median start-up, each beside its target', () => {
    const section = offlineMarkdown(offline);

    expect(section.split('\n').slice(-6)).toEqual([
      '|---|---|---|---|---|',
      '| start-up: `score < /dev/null` | 320 ms (300–600) | 0.30 s | | < 0.5 s met |',
      '| start-up: `backtest` of an empty file | 720 ms (700–750) | 0.65 s | | < 0.5 s **not met** |',
      '| `score` | 2.32 s (2.22–2.42) | 2.25 s | 50,000 (47,619–52,632) | ≥ 50,000/s met |',
      '| `backtest`, candidate changes transactions | 4.72 s (4.72) | 4.10 s | 25,000 (25,000) | ≥ 50,000/s **not met** |',
      '| `backtest`, candidate changes transactions and readings | 5.72 s (5.62–5.82) | 5.10 s | 20,000 (19,608–20,408) | ≥ 50,000/s **not met** |',
    ]);
  });

  it('says under its heading what was run, on how many events, how often, and how busy the machine was', () => {
    const [heading, , method] = offlineMarkdown(offline).split('\n');

    expect(heading).toBe('### Offline scoring (`riskstream score`, `riskstream backtest`)');
    expect(method).toContain('100,000 events (`takeTraffic`, seed 1: 70,000 transactions, 30,000 readings)');
    expect(method).toContain('3 runs each');
    expect(method).toContain('Load average (1 min) during the runs: 1.2–2.4.');
  });

  it('marks a start-up of 0.5 s or more as not met', () => {
    const slow = { ...offline, startup: runs([520, 510, 530], [500, 500, 500]) };

    expect(offlineMarkdown(slow)).toContain('| start-up: `score < /dev/null` | 520 ms (510–530) | 0.50 s | | < 0.5 s **not met** |');
  });

  it('puts the section before the machine in the results, and leaves it out when the offline runs were skipped', () => {
    const results = resultsMarkdown({ ...report, offline });

    expect(results.indexOf('### Offline scoring')).toBeGreaterThan(results.indexOf('### Bundles and module init'));
    expect(results.indexOf('### Offline scoring')).toBeLessThan(results.indexOf('### Machine'));
    expect(resultsMarkdown(report)).not.toContain('### Offline scoring');
  });
});

describe('summarize', () => {
  it('gives mean, median, spread and extremes', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, mean: 2.5, median: 2.5, min: 1, max: 4, sd: Math.sqrt(5 / 3) });
    expect(summarize([7])).toMatchObject({ median: 7, sd: 0 });
    expect(() => summarize([])).toThrow(/no values/);
  });
});
