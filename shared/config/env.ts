import * as z from 'zod/mini';
import type { RulesConfig } from '../domain/rules-config';
import { parseRulesConfig } from '../domain/rules-config';
import { withEnglishMessages } from '../domain/zod-messages';
import { DEFAULT_MAX_EVENT_AGE_MS, DEFAULT_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_RECORD_BYTES } from '../kinesis/records';
import { CommitMode } from '../state/store';
import { ConfigurationError } from '../errors';
import { DEFAULT_RULES_MAX_AGE_MS } from './live-rules';
import type { EventKindName } from '../kinds/names';
import { ALL_KIND_NAMES } from '../kinds/names';

/** What a scoring function reads from its environment (set by the CDK stack, or by hand locally). */
const ScoringEnvSchema = z.object({
  EVENT_KIND: z.enum(
    ALL_KIND_NAMES.map((kind) => kind.name) as [EventKindName, ...EventKindName[]],
    `must name the event kind the function scores: ${ALL_KIND_NAMES.map((kind) => kind.name).join(' or ')}`,
  ),
  STATE_TABLE: z.string().check(z.minLength(1, 'is required: the DynamoDB state table name')),
  ALERTS_TABLE: z.string().check(z.minLength(1, 'is required: the DynamoDB alert outbox table name')),
  QUARANTINE_QUEUE_URL: z.string().check(z.url('must be the URL of the SQS quarantine queue')),
  COMMIT_MODE: z._default(z.enum([CommitMode.conditional, CommitMode.singleWriter]), CommitMode.conditional),
  MAX_RECORD_BYTES: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_MAX_RECORD_BYTES),
  MAX_FUTURE_SKEW_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), DEFAULT_MAX_FUTURE_SKEW_MS),
  MAX_EVENT_AGE_MS: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_MAX_EVENT_AGE_MS),
  RULES_CONFIG: z.optional(z.string()),
  RULES_MAX_AGE_MS: z._default(z.coerce.number().check(z.int(), z.nonnegative()), DEFAULT_RULES_MAX_AGE_MS),
});

export interface ScoringConfig {
  /** The kind of the events it scores (every scorer is one function, functions/score, told its kind). */
  readonly eventKind: EventKindName;
  readonly stateTable: string;
  readonly alertsTable: string;
  readonly quarantineQueueUrl: string;
  readonly commitMode: CommitMode;
  readonly maxRecordBytes: number;
  readonly maxFutureSkewMs: number;
  /** Older events (from arrival) are refused; also the idempotency horizon (see scoreBatch). */
  readonly maxEventAgeMs: number;
  readonly rules: RulesConfig;
  /** How long a function trusts the live rules version it read. */
  readonly rulesMaxAgeMs: number;
}

export class ConfigError extends ConfigurationError {
  override readonly name = 'ConfigError';
}

export function scoringConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ScoringConfig {
  const parsed = z.safeParse(
    ScoringEnvSchema,
    {
      ...env,
      STATE_TABLE: env['STATE_TABLE'] ?? '',
      ALERTS_TABLE: env['ALERTS_TABLE'] ?? '',
      QUARANTINE_QUEUE_URL: env['QUARANTINE_QUEUE_URL'] ?? '',
    },
    withEnglishMessages,
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`riskstream configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  let rules: unknown = {};
  if (e.RULES_CONFIG) {
    try {
      rules = JSON.parse(e.RULES_CONFIG);
    } catch (error) {
      throw new ConfigError(`riskstream configuration: RULES_CONFIG is not valid JSON (${(error as Error).message})`);
    }
  }
  return {
    eventKind: e.EVENT_KIND,
    stateTable: e.STATE_TABLE,
    alertsTable: e.ALERTS_TABLE,
    quarantineQueueUrl: e.QUARANTINE_QUEUE_URL,
    commitMode: e.COMMIT_MODE,
    maxRecordBytes: e.MAX_RECORD_BYTES,
    maxFutureSkewMs: e.MAX_FUTURE_SKEW_MS,
    maxEventAgeMs: e.MAX_EVENT_AGE_MS,
    rules: parseRulesConfig(rules),
    rulesMaxAgeMs: e.RULES_MAX_AGE_MS,
  };
}
