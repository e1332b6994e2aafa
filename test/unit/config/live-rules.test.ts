import { LiveRules } from '../../../shared/config/live-rules';
import type { RulesSource } from '../../../shared/config/live-rules';
import { DEFAULT_RULES, RulesConfigError } from '../../../shared/domain/rules-config';
import type { RulesHead, RulesVersion } from '../../../shared/domain/rules-versions';
import { proposedRules } from '../../../shared/domain/rules-versions';

/** The rules store as the functions read it, in memory: a head and immutable versions, reads counted. */
class Versions implements RulesSource {
  head_: RulesHead | undefined;
  readonly versions = new Map<number, RulesVersion>();
  reads = 0;
  head(): Promise<RulesHead | undefined> {
    this.reads++;
    return Promise.resolve(this.head_);
  }
  get(version: number): Promise<RulesVersion | undefined> {
    this.reads++;
    return Promise.resolve(this.versions.get(version));
  }
}

const strict = proposedRules(DEFAULT_RULES, { transactions: { largeAmount: { amount: 500 } } });

describe('the live rules a function reads', () => {
  it('are the deploy’s rules as version 1 until a version is stored', async () => {
    const live = new LiveRules(new Versions(), DEFAULT_RULES);
    await expect(live.current()).resolves.toEqual({ version: 1, rules: DEFAULT_RULES });
  });

  it('read the head again only once it is older than the max age, and a version’s document once', async () => {
    const source = new Versions();
    let clock = 0;
    const live = new LiveRules(source, DEFAULT_RULES, 15_000, () => clock);
    source.head_ = { live: 1, latest: 2, candidate: 2, wasLive: [] };
    source.versions.set(1, { version: 1, document: DEFAULT_RULES, note: 'seed', createdAt: '' });
    source.versions.set(2, { version: 2, document: strict, note: 'lower', createdAt: '' });

    expect((await live.current()).version).toBe(1);
    source.head_ = { live: 2, latest: 2, wasLive: [] };
    clock = 14_999;
    expect((await live.current()).version).toBe(1); // still trusted
    clock = 15_000;
    expect(await live.current()).toEqual({ version: 2, rules: strict });
    const reads = source.reads;
    clock = 30_000;
    source.head_ = { live: 2, latest: 2, wasLive: [] };
    await live.current();
    expect(source.reads - reads).toBe(1); // the head only: version 2's document is known
  });

  it('fail with a clear error when the head names a version that is not stored', async () => {
    const source = new Versions();
    source.head_ = { live: 7, latest: 7, wasLive: [] };
    await expect(new LiveRules(source, DEFAULT_RULES).current()).rejects.toThrow(/version 7 as live, but no such version is stored/);
  });

  it('give an earlier version for a retry of what it judged: the seed as version 1 before any is stored, nothing for an unknown one', async () => {
    const source = new Versions();
    const live = new LiveRules(source, DEFAULT_RULES);
    await expect(live.at(1)).resolves.toEqual({ version: 1, rules: DEFAULT_RULES });

    source.head_ = { live: 2, latest: 2, wasLive: [1] };
    source.versions.set(1, { version: 1, document: strict, note: 'seed', createdAt: '' });
    await expect(live.at(1)).resolves.toEqual({ version: 1, rules: strict });
    await expect(live.at(9)).resolves.toBeUndefined();
  });

  it('give the live version alone, and say why, when the candidate cannot be read: the shadow stops, never the scoring', async () => {
    const source = new Versions();
    source.head_ = { live: 1, latest: 2, candidate: 2, wasLive: [] };
    source.versions.set(1, { version: 1, document: DEFAULT_RULES, note: 'seed', createdAt: '' });
    source.get = (version: number) =>
      version === 2
        ? Promise.reject(new RulesConfigError('transactions.geoVelocity: unknown setting', ['transactions.geoVelocity']))
        : Promise.resolve(source.versions.get(version));

    const current = await new LiveRules(source, DEFAULT_RULES).current();

    expect(current).toMatchObject({ version: 1, rules: DEFAULT_RULES });
    expect(current.candidate).toBeUndefined();
    expect(current.candidateError).toMatch(/version 2, the candidate, cannot be read: .*geoVelocity/);
  });
});
