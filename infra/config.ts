import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { RulesConfigSchema } from '../shared/domain/rules-config';
import { DurationSchema } from '../shared/domain/rules-schema';
import { SUBSCRIBER_NAME } from '../shared/alerting/budgets';
import { SEVERITY_ORDER } from '../shared/domain/alerts';
import { CommitMode } from '../shared/state/store';
import { ConfigurationError } from '../shared/errors';
import type { InputStreamName } from '../shared/kinds/names';
import { ALL_INPUT_STREAMS, ALL_KIND_NAMES } from '../shared/kinds/names';
import { DEFAULT_JOIN_WINDOW_MS } from '../shared/domain/order-join';

/**
 * The deploy's one typed configuration: defaults here, overrides from a JSON file (context
 * `configFile` or RISKSTREAM_CONFIG) and then from the CDK context key `riskstream` (JSON), validated
 * at synth time with errors that name the field.
 */
// The rules' duration schema is zod/mini (the functions bundle no classic zod), so defaults wrap it: z._default(duration, ms).
const duration = DurationSchema;
const severity = z.enum(SEVERITY_ORDER as unknown as ['info', 'warning', 'critical']);
const kinds = z.array(z.string().min(1)).min(1).optional();
/**
 * A mapping's batching window: Lambda takes whole seconds from 0 to 300 (0, its default, invokes as
 * soon as a poll finds records). A duration, or 0.
 */
const batchingWindow = z
  .union([z.literal(0), duration])
  .refine((ms) => ms % 1000 === 0 && ms <= 300_000, "must be whole seconds from 0 to 300 (Lambda's MaximumBatchingWindowInSeconds)");

const StreamSchema = z.strictObject({
  /** `provisioned` uses `shardCount`; `on-demand` scales by itself. */
  mode: z.enum(['provisioned', 'on-demand']).default('provisioned'),
  shardCount: z.number().int().min(1).max(500).default(1),
  /**
   * 7 days by default (AWS bills retention past 24 h): a DLQ message only points at a shard's sequence
   * range, so the records must still be in the stream when an operator redrives them.
   */
  retention: z._default(duration, 7 * 24 * 3_600_000),
});

const MappingSchema = z.strictObject({
  batchSize: z.number().int().min(1).max(10_000).default(100),
  /**
   * 0: a batch is invoked with what the shard's poll found (Lambda polls a shard once a second). A
   * window would only make batches bigger while records wait; at the demo's 30 events/s the 1 s
   * window it had was most of put → notification (p50 2.0 s → 0.3 s without it; README).
   */
  maxBatchingWindow: z._default(batchingWindow, 0),
  parallelizationFactor: z.number().int().min(1).max(10).default(1),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'),
  bisectBatchOnError: z.boolean().default(true),
  reportBatchItemFailures: z.boolean().default(true),
  retryAttempts: z.number().int().min(0).max(10_000).default(10),
  maxRecordAge: z._default(duration, 6 * 3_600_000),
});

const FunctionSchema = z.strictObject({
  memorySize: z.number().int().min(128).max(10_240).default(512),
  timeout: z._default(duration, 60_000),
  logRetentionDays: z.number().int().positive().default(30),
  tracing: z.boolean().default(true),
});

/**
 * What a subscriber receives: incident notifications (open, escalation, reminder, resolution: what
 * people act on), per-event alerts (what analytics and case tools consume), or both.
 */
const notifications = (fallback: Array<'incident' | 'alert'>) =>
  z
    .array(z.enum(['incident', 'alert']))
    .min(1)
    .default(fallback);
/**
 * At most `notifications` per `per` to this subscriber; what comes over waits for the window's end
 * and goes in one digest (shared/alerting/budgets.ts). `false`: every notification on its own.
 */
const BudgetSchema = z
  .strictObject({ notifications: z.number().int().min(1).max(1000), per: duration })
  .refine((b) => b.per >= 1000 && b.per <= 86_400_000, { message: 'must be from 1s to 1d', path: ['per'] });
const budget = (fallback: z.output<typeof BudgetSchema> | false) => z.union([z.literal(false), BudgetSchema]).default(fallback);
const subscriber = <T extends z.ZodRawShape>(
  shape: T,
  receives: Array<'incident' | 'alert'>,
  budgetFallback: z.output<typeof BudgetSchema> | false,
) =>
  z.strictObject({
    ...shape,
    /** Names the subscriber where its budget is counted (items, logs, SNS attributes): default `<protocol>-<n>`. */
    name: z.string().regex(SUBSCRIBER_NAME, 'must be lowercase letters, digits and dashes, at most 40').optional(),
    minSeverity: severity.default('warning'),
    kinds,
    notifications: notifications(receives),
    budget: budget(budgetFallback),
  });

/** Counts are "alarm when it reaches N" (N ≥ 1); the iterator age alarms when it is above the limit. */
const AlarmsSchema = z.strictObject({
  /** Oldest record not yet read by a function, in ms. */
  iteratorAgeMs: z
    .number()
    .positive()
    .default(5 * 60_000),
  functionErrors: z.number().int().min(1).default(1),
  dlqDepth: z.number().int().min(1).default(1),
  quarantineDepth: z.number().int().min(1).default(10),
  failedNotifications: z.number().int().min(1).default(1),
  dynamoDbThrottles: z.number().int().min(1).default(1),
  /** Records a scoring function reported as failed (partial batch failures) in 5 minutes. */
  recordsFailed: z.number().int().min(1).default(1),
});

/** The same setting for each input stream, keyed by the stream's name (`transactions`, `readings`, `orders`). */
function perStream<Schema>(schema: Schema): { readonly [Stream in InputStreamName]: Schema } {
  return Object.fromEntries(ALL_INPUT_STREAMS.map((stream) => [stream, schema])) as { readonly [Stream in InputStreamName]: Schema };
}

export const DeployConfigSchema = z.strictObject({
  /** Prefix of every named resource (streams, tables, topics, dashboard). */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be lowercase letters, digits and dashes')
    .default('riskstream'),
  /**
   * An emulator deploy (moto) leaves the event source mappings out: moto cannot run functions,
   * and a DynamoDB stream mapping makes it discard the stream's records (ENVIRONMENT.md).
   */
  emulator: z.boolean().default(false),
  /** One per input stream (kinds/names.ts): each scored kind's, and the orders'. */
  streams: z.strictObject(perStream(StreamSchema.prefault({}))).prefault({}),
  mappings: z
    .strictObject({
      ...perStream(MappingSchema.prefault({})),
      publishAlerts: MappingSchema.omit({ parallelizationFactor: true }).prefault({ batchSize: 50 }),
    })
    .prefault({}),
  /** The join of orders with their payments (shared/domain/order-join.ts): how long a side waits for the other. */
  orders: z.strictObject({ joinWindow: z._default(duration, DEFAULT_JOIN_WINDOW_MS) }).prefault({}),
  functions: FunctionSchema.prefault({}),
  commitMode: z.enum([CommitMode.conditional, CommitMode.singleWriter]).default(CommitMode.conditional),
  maxRecordBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** The scoring rules (see shared/domain/rules-config.ts); travels to the functions as RULES_CONFIG. */
  rules: z.prefault(RulesConfigSchema, {}),
  queues: z.strictObject({ retention: z._default(duration, 14 * 86_400_000) }).prefault({}),
  subscriptions: z
    .strictObject({
      // People get incidents, within a budget (texts: 10 an hour; mail: 5 in 5 minutes, then a
      // digest); machines get both, every one, unless told otherwise.
      email: z.array(subscriber({ address: z.email() }, ['incident'], { notifications: 5, per: 5 * 60_000 })).default([]),
      sms: z
        .array(
          subscriber({ phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +4915112345678') }, ['incident'], {
            notifications: 10,
            per: 3_600_000,
          }),
        )
        .default([]),
      sqs: z.array(subscriber({ queueArn: z.string().startsWith('arn:') }, ['incident', 'alert'], false)).default([]),
      https: z.array(subscriber({ url: z.url({ protocol: /^https$/ }) }, ['incident', 'alert'], false)).default([]),
    })
    .prefault({}),
  alarms: AlarmsSchema.prefault({}),
});

export type DeployConfig = z.output<typeof DeployConfigSchema>;
export type DeployConfigInput = z.input<typeof DeployConfigSchema>;
export type MappingConfig = DeployConfig['mappings']['transactions'];

export class DeployConfigError extends ConfigurationError {
  override readonly name = 'DeployConfigError';
}

export function parseDeployConfig(input: unknown): DeployConfig {
  const parsed = DeployConfigSchema.safeParse(input ?? {});
  if (parsed.success) return checkSubscriberNames(checkIdempotencyHorizon(parsed.data));
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${[...path, key].join('.')}: unknown key "${key}"`);
    return [`${path.join('.') || '(root)'}: ${issue.message}`];
  });
  throw new DeployConfigError(`invalid riskstream config: ${problems.join('; ')}`);
}

/**
 * A stored record (a transaction's decision) is what keeps an event from counting twice once its
 * window has closed or its entity's item has expired, for as long as the stream can deliver it
 * again: records kept by the decisions' retention (not with their entity, as a reading's status is)
 * must be kept at least their stream's retention plus the allowed lateness (the oldest event a scorer takes).
 */
function checkIdempotencyHorizon(config: DeployConfig): DeployConfig {
  for (const { stream, name, record } of ALL_KIND_NAMES) {
    if (record.keptWithEntity) continue;
    const horizon = config.streams[stream].retention + config.rules[stream].allowedLateness;
    if (config.rules.retention.decisions < horizon) {
      throw new DeployConfigError(
        `invalid riskstream config: rules.retention.decisions must be at least streams.${stream}.retention plus rules.${stream}.allowedLateness (${horizon} ms): a redelivered ${name} is recognised by its stored record`,
      );
    }
  }
  return config;
}

export type Protocol = 'email' | 'sms' | 'sqs' | 'https';
/** What every kind of subscriber has, besides its endpoint. */
export type SubscriberConfig = Omit<DeployConfig['subscriptions']['sqs'][number], 'queueArn'>;

/** Each configured subscriber with its protocol, endpoint and id: its `name`, or `<protocol>-<n>` (the n-th of its protocol). */
export function subscribersOf(
  subscriptions: DeployConfig['subscriptions'],
): Array<{ protocol: Protocol; endpoint: string; id: string; config: SubscriberConfig }> {
  const named = <S extends SubscriberConfig>(protocol: Protocol, list: readonly S[], endpoint: (s: S) => string) =>
    list.map((s, i) => ({ protocol, endpoint: endpoint(s), id: s.name ?? `${protocol}-${i + 1}`, config: s }));
  return [
    ...named('email', subscriptions.email, (s) => s.address),
    ...named('sms', subscriptions.sms, (s) => s.phoneNumber),
    ...named('sqs', subscriptions.sqs, (s) => s.queueArn),
    ...named('https', subscriptions.https, (s) => s.url),
  ];
}

/** Two subscribers under one name would share a budget and each other's messages. */
function checkSubscriberNames(config: DeployConfig): DeployConfig {
  const ids = subscribersOf(config.subscriptions).map((s) => s.id);
  const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (twice.length > 0)
    throw new DeployConfigError(
      `invalid riskstream config: subscriptions: the name ${twice.map((t) => `"${t}"`).join(', ')} is given to two subscribers: names must be unique`,
    );
  return config;
}

/** Deep merge of plain objects; arrays and values of `override` replace those of `base`. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the layers: a JSON file, then the `riskstream` context value (an object or a JSON string), then `emulator`. */
export function loadDeployConfig(context: { file?: string; riskstream?: unknown; emulator?: unknown }): DeployConfig {
  let layered: unknown = {};
  if (context.file) {
    try {
      layered = JSON.parse(readFileSync(context.file, 'utf8'));
    } catch (error) {
      throw new DeployConfigError(`config file ${context.file}: ${(error as Error).message}`);
    }
  }
  if (context.riskstream !== undefined) {
    const value = typeof context.riskstream === 'string' ? parseJson(context.riskstream, 'context riskstream') : context.riskstream;
    layered = mergeConfig(layered, value);
  }
  if (context.emulator !== undefined)
    layered = mergeConfig(layered, { emulator: context.emulator === true || context.emulator === 'true' });
  return parseDeployConfig(layered);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeployConfigError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
