import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBLabelStore } from '../../shared/adapters/dynamodb-labels';
import { DynamoDBRulesStore } from '../../shared/adapters/dynamodb-rules';
import type { Verdict } from '../../shared/domain/labels';
import type { ComparisonReport } from '../backtest/comparison';
import { Comparison, STORED_JUDGEMENTS } from '../backtest/comparison';
import type { ShadowedEvent } from './shadow-judgements';
import type { Alert } from '../../shared/domain/alerts';
import { incidentNotifications, shadowJudgements } from './shadow-judgements';
import type { RulesConfig } from '../../shared/domain/rules-config';
import { parseRulesConfig } from '../../shared/domain/rules-config';
import type { RulesChange, RulesHead, RulesVersion } from '../../shared/domain/rules-versions';
import { proposedRules, rulesDiff, SEED_VERSION } from '../../shared/domain/rules-versions';
import { ConfigurationError } from '../../shared/errors';
import { ALL_KIND_NAMES } from '../../shared/kinds/names';
import { emulatorClientConfig } from '../clients';
import { deployedEnvironment } from '../runtime/functions/invoker';
import { NotDeployedError, reachableDeploy } from '../runtime/runtime';

/** A request about versions that cannot be met as asked (no candidate to promote, no such version). */
export class RulesRequestError extends ConfigurationError {
  override readonly name = 'RulesRequestError';
}

export type VersionStatus = 'live' | 'candidate' | 'was live' | 'never live';

export interface ShownVersion extends RulesVersion {
  readonly status: VersionStatus;
  /** Not stored yet: the deploy's rules, version 1 until the first proposal. */
  readonly seed?: boolean;
}

/**
 * What an analyst does with the rules of a deployed stack: look at versions, compare them, propose
 * a candidate, promote it, roll back. The deploy's rules (the scorers' RULES_CONFIG) are version 1:
 * stored as such with the first proposal, as the functions already treat them.
 */
export class RulesAdmin {
  constructor(
    private readonly store: DynamoDBRulesStore,
    /** The deploy's rules, read when needed (a deployed function's environment). */
    private readonly deployRules: () => Promise<RulesConfig>,
    /** What the scorers stored of their shadow runs, and the analysts' verdicts. */
    private readonly stored: {
      shadowed(sinceMs: number): AsyncIterable<ShadowedEvent>;
      verdicts(): Promise<ReadonlyMap<string, Verdict>>;
      /** The incidents' notifications, for the verdicts given on incidents. */
      incidentNotifications(): AsyncIterable<Pick<Alert, 'eventIds' | 'incident'>>;
    },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * How the candidate (or version `version`) judged live traffic in shadow since `sinceMs`, beside
   * the live rules' decisions, against the analysts' verdicts where they exist.
   */
  async shadowReport(sinceMs: number, version?: number): Promise<{ candidate: number; report: ComparisonReport; caveats: string[] }> {
    const head = await this.store.head();
    const candidate = version ?? head?.candidate;
    if (candidate === undefined) {
      const latest =
        head && head.latest > SEED_VERSION
          ? `; the shadow run of a version since promoted or replaced: --version N (the latest is ${head.latest})`
          : '';
      throw new RulesRequestError(
        `there is no candidate now: the scorers run one in shadow once it is proposed (\`rules propose\`)${latest}`,
      );
    }
    const verdicts = await this.stored.verdicts();
    const comparison = new Comparison(STORED_JUDGEMENTS, verdicts);
    if (verdicts.size > 0) for await (const notification of this.stored.incidentNotifications()) comparison.noteIncidents([notification]);
    for await (const event of this.stored.shadowed(sinceMs)) {
      if (event.candidateVersion === candidate) comparison.add(event, event.live, event.candidate);
    }
    const [judged, live] = [await this.show(candidate), await this.show(head?.live)];
    return { candidate, report: comparison.report(), caveats: shadowCaveats(live.document, judged.document) };
  }

  async show(version?: number): Promise<ShownVersion> {
    const head = await this.store.head();
    const wanted = version ?? head?.live ?? SEED_VERSION;
    if (!head) {
      if (wanted !== SEED_VERSION) throw new RulesRequestError(`no version ${wanted}: only version 1 (the deploy's rules) exists yet`);
      return this.seedVersion();
    }
    const stored = await this.store.get(wanted);
    if (!stored) throw new RulesRequestError(`no version ${wanted}: versions go from 1 to ${head.latest}`);
    return { ...stored, status: statusOf(head, wanted) };
  }

  async history(): Promise<ShownVersion[]> {
    const head = await this.store.head();
    if (!head) return [await this.seedVersion()];
    return (await this.store.list(head.latest)).map((v) => ({ ...v, status: statusOf(head, v.version) }));
  }

  async diff(a: number, b: number): Promise<RulesChange[]> {
    const [from, to] = [await this.show(a), await this.show(b)];
    return rulesDiff(from.document, to.document);
  }

  /** Validates `part` merged over the live version, without storing anything. */
  async validate(part: unknown): Promise<RulesConfig> {
    return proposedRules((await this.show()).document, part);
  }

  /** Stores `part` merged over the live version as the next version, the candidate (replacing one). */
  async propose(part: unknown, note: string): Promise<{ stored: RulesVersion; replaced?: number; changes: RulesChange[] }> {
    const head = await this.headOrSeed();
    const live = await this.show(head.live);
    const document = proposedRules(live.document, part);
    const changes = rulesDiff(live.document, document);
    if (changes.length === 0) throw new RulesRequestError(`the proposal changes nothing in version ${head.live}, the live one`);
    const stored = await this.store.propose(head, document, note, this.now());
    return { stored, changes, ...(head.candidate === undefined ? {} : { replaced: head.candidate }) };
  }

  /** The candidate goes live; `expected`, the version the analyst reviewed, must still be the candidate. */
  async promote(expected?: number): Promise<{ from: number; to: number }> {
    const head = await this.headOrSeed();
    if (head.candidate === undefined) throw new RulesRequestError('there is no candidate to promote: propose one first');
    if (expected !== undefined && expected !== head.candidate)
      throw new RulesRequestError(
        `the candidate is version ${head.candidate}, not ${expected}: look at it (\`rules diff ${head.live} ${head.candidate}\`)`,
      );
    await this.store.makeLive(head, head.candidate, true);
    return { from: head.live, to: head.candidate };
  }

  /**
   * A version that was live before goes live again. A candidate proposed over the version left
   * behind is dropped with it (promoting it would bring that version's changes back).
   */
  async rollback(version: number): Promise<{ from: number; to: number; droppedCandidate?: number }> {
    const head = await this.headOrSeed();
    if (version === head.live) throw new RulesRequestError(`version ${version} is live already`);
    if (!head.wasLive.includes(version))
      throw new RulesRequestError(
        `version ${version} was never live: a rollback goes back to ${head.wasLive.length > 0 ? `one of ${head.wasLive.join(', ')}` : 'a version that was live, and none was before this one'}`,
      );
    const candidate = head.candidate === undefined ? undefined : await this.store.get(head.candidate);
    const drop = candidate?.basedOn === head.live;
    await this.store.makeLive(head, version, drop);
    return { from: head.live, to: version, ...(drop && candidate ? { droppedCandidate: candidate.version } : {}) };
  }

  private async headOrSeed(): Promise<RulesHead> {
    const head = await this.store.head();
    if (head) return head;
    await this.store.seed(await this.deployRules(), "the deploy's rules", this.now());
    const seeded = await this.store.head();
    if (!seeded) throw new ConfigurationError('the rules head could not be stored');
    return seeded;
  }

  private async seedVersion(): Promise<ShownVersion> {
    return {
      version: SEED_VERSION,
      document: await this.deployRules(),
      note: "the deploy's rules",
      createdAt: '',
      status: 'live',
      seed: true,
    };
  }
}

function statusOf(head: RulesHead, version: number): VersionStatus {
  if (version === head.live) return 'live';
  if (version === head.candidate) return 'candidate';
  return head.wasLive.includes(version) ? 'was live' : 'never live';
}

/** The rules admin of a stack deployed from here (its deploy record). */
export async function openRulesAdmin(stackName: string): Promise<{ admin: RulesAdmin; destroy: () => void }> {
  const {
    deployed,
    outputs: { StateTableName: stateTable, AlertsTableName: alertsTable },
  } = await reachableDeploy(stackName, ['StateTableName', 'AlertsTableName']);
  const scorer = deployed.outputs['ScoreTransactionsFunctionName'];
  if (!scorer)
    throw new NotDeployedError(`the stack ${stackName} was deployed before rules had versions: deploy it again (\`riskstream up\`).`);
  const config = emulatorClientConfig(deployed.endpoint);
  const dynamodb = new DynamoDBClient(config);
  const deployRules = async () => {
    const env = await deployedEnvironment(scorer, deployed.endpoint, config.region, config.credentials);
    return parseRulesConfig(env['RULES_CONFIG'] ? JSON.parse(env['RULES_CONFIG']) : {});
  };
  const labels = new DynamoDBLabelStore(dynamodb, stateTable);
  const records = {
    shadowed: (sinceMs: number) => shadowJudgements(dynamodb, stateTable, sinceMs),
    verdicts: async () => new Map((await labels.list()).map((label) => [label.id, label.verdict])),
    incidentNotifications: () => incidentNotifications(dynamodb, alertsTable),
  };
  return { admin: new RulesAdmin(new DynamoDBRulesStore(dynamodb, stateTable), deployRules, records), destroy: () => dynamodb.destroy() };
}

/**
 * Settings the shadow cannot judge faithfully: it reads the live rules' window state, whose panes
 * were cut, whose late events were told apart, and whose small amounts were counted by the live
 * settings. A candidate that changes them is better judged by a backtest, which keeps its own state.
 */
const STATE_SETTINGS = new RegExp(
  `^(${ALL_KIND_NAMES.map((kind) => kind.stream).join('|')})\\.(window|pane|allowedLateness)$|^transactions\\.cardTesting\\.smallAmount$`,
);

export function shadowCaveats(live: RulesConfig, candidate: RulesConfig): string[] {
  return rulesDiff(live, candidate)
    .filter((change) => STATE_SETTINGS.test(change.path))
    .map(
      (change) =>
        `${change.path} differs (${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}): the shadow judges against the live rules' window state, counted with ${JSON.stringify(change.from)}; run \`riskstream backtest\` for this change`,
    );
}
