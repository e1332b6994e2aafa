import type { BenchReport, SideRuns } from '../../../bench/report';
import { MARKERS, range, ratio, replaceBetween, resultsMarkdown, summaryMarkdown, updateBenchmarks } from '../../../bench/report';
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

describe('summarize', () => {
  it('gives mean, median, spread and extremes', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, mean: 2.5, median: 2.5, min: 1, max: 4, sd: Math.sqrt(5 / 3) });
    expect(summarize([7])).toMatchObject({ median: 7, sd: 0 });
    expect(() => summarize([])).toThrow(/no values/);
  });
});
