import type { RulesConfig } from '../domain/rules-config';
import type { RulesHead, RulesVersion } from '../domain/rules-versions';
import { SEED_VERSION } from '../domain/rules-versions';
import { ConfigurationError } from '../errors';

/** What the functions read of the rules store. */
export interface RulesSource {
  head(): Promise<RulesHead | undefined>;
  get(version: number): Promise<RulesVersion | undefined>;
}

export interface LiveRulesVersion {
  readonly version: number;
  readonly rules: RulesConfig;
}

/** The live version and, while one is proposed, the candidate the scorers run in shadow. */
export interface CurrentRules extends LiveRulesVersion {
  readonly candidate?: LiveRulesVersion;
  /** Why the candidate could not be read: the shadow is off until it can, and the live version judges on. */
  readonly candidateError?: string;
}

/** How long a function trusts the live version it read: a promotion reaches every function within this (plus a batch). */
export const DEFAULT_RULES_MAX_AGE_MS = 15_000;

/**
 * The live rules as a function sees them: the head read again at most every `maxAgeMs` (one
 * consistent GetItem), a version's document once (versions never change). Before any version is
 * stored, the deploy's rules (RULES_CONFIG) are version 1. A batch asks once and scores with what
 * it got, so it never mixes two versions. A read that fails throws: scoring with rules that may no
 * longer be live would be worse than the batch's retry.
 */
export class LiveRules {
  private readonly documents = new Map<number, RulesConfig>();
  private cached: { readonly at: number; readonly value: CurrentRules } | undefined;

  constructor(
    private readonly source: RulesSource,
    private readonly seed: RulesConfig,
    private readonly maxAgeMs: number = DEFAULT_RULES_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<CurrentRules> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.value;
    const head = await this.source.head();
    const version = head?.live ?? SEED_VERSION;
    const value = {
      version,
      rules: head ? await this.document(version, 'live') : this.seed,
      ...(head?.candidate === undefined ? {} : await this.candidate(head.candidate)),
    };
    this.cached = { at: now, value };
    return value;
  }

  /**
   * The candidate only runs in shadow: one this function cannot read (a document a newer CLI wrote,
   * with settings this code does not know) turns the shadow off, never the live scoring.
   */
  private async candidate(version: number): Promise<Pick<CurrentRules, 'candidate' | 'candidateError'>> {
    try {
      return { candidate: { version, rules: await this.document(version, 'the candidate') } };
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return { candidateError: `version ${version}, the candidate, cannot be read: ${error.message}` };
    }
  }

  /**
   * A version that was live once, for a retry of what it judged (see score-batch.ts,
   * `unfinishedVersions`); undefined if it is not stored. Version 1 before any is stored is the seed.
   */
  async at(version: number): Promise<LiveRulesVersion | undefined> {
    const known = this.documents.get(version);
    if (known) return { version, rules: known };
    const stored = await this.source.get(version);
    if (stored) this.documents.set(version, stored.document);
    else if (version === SEED_VERSION && !(await this.source.head())) return { version, rules: this.seed };
    return stored ? { version, rules: stored.document } : undefined;
  }

  private async document(version: number, role: string): Promise<RulesConfig> {
    const found = await this.at(version);
    if (!found) throw new ConfigurationError(`the rules head names version ${version} as ${role}, but no such version is stored`);
    return found.rules;
  }
}
