import { cpuMsFromTime, eventsPerSecondAfterStartup, throughputs } from '../../../bench/offline';

describe('events per second after start-up', () => {
  it('takes the start-up off the wall time before dividing', () => {
    // 100,000 events in 2.3 s, 0.3 s of which the process spent starting: 2 s of scoring.
    expect(eventsPerSecondAfterStartup(100_000, 2300, 300)).toBe(50_000);
  });

  it('refuses a run no longer than the start-up, which would give no rate or an infinite one', () => {
    expect(() => eventsPerSecondAfterStartup(100_000, 300, 300)).toThrow(/no longer than the start-up/);
  });

  it("takes the median start-up off each run's wall time", () => {
    const startup = [
      { wallMs: 600, cpuMs: 0 },
      { wallMs: 300, cpuMs: 0 },
      { wallMs: 320, cpuMs: 0 },
    ];
    const runs = [
      { wallMs: 2320, cpuMs: 0 },
      { wallMs: 4320, cpuMs: 0 },
    ];

    expect(throughputs(100_000, runs, startup)).toEqual([50_000, 25_000]);
  });
});

describe('cpuMsFromTime', () => {
  it("reads user + system from GNU time's marked line, after what the command wrote on stderr", () => {
    const stderr =
      'no stack RiskstreamBenchNoStack deployed from here: the live side is the default rules\nriskstream-bench-cpu 2.77 0.15\n';

    expect(cpuMsFromTime(stderr)).toBeCloseTo(2920);
  });

  it('fails when GNU time wrote no such line', () => {
    expect(() => cpuMsFromTime('time: cannot run node\n')).toThrow(/no CPU time/);
  });
});
