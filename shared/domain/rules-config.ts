import * as z from 'zod';
import { parseDuration } from './duration';

/**
 * Every threshold the scoring uses, in one typed, validated config with defaults. A deploy can
 * override any part of it (partial JSON); durations are written like "5m" or given in milliseconds.
 */
/** A duration as milliseconds or a string like "5m"; the parsed value is milliseconds. */
export const DurationSchema = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const duration = DurationSchema;
const DAY = 86_400_000;
const weight = z.number().min(0).max(1);
const positive = z.number().positive();
const enabled = z.boolean().default(true);

/** A measure's warning and critical levels; either can be overridden alone. */
const level = (warning: number, critical: number) =>
  z
    .strictObject({ warning: z.number().default(warning), critical: z.number().default(critical) })
    .prefault({})
    .refine((l) => l.critical >= l.warning, { message: 'critical must be >= warning' });

const TransactionRulesSchema = z
  .object({
    /** Tumbling window of the per-user aggregates (velocity and card testing). */
    window: duration.default(5 * 60_000),
    /** How long after a window's end an event for it is still counted; later ones are reported as late. */
    allowedLateness: duration.default(10 * 60_000),
    thresholds: z.strictObject({ review: weight.default(0.5), block: weight.default(0.85) })
      .prefault({})
      .refine((t) => t.block >= t.review, { message: 'block must be >= review' }),
    largeAmount: z.strictObject({ enabled, weight: weight.default(0.6), amount: positive.default(1000) }).prefault({}),
    velocity: z.strictObject({ enabled, weight: weight.default(0.5), maxCount: z.number().int().positive().default(5), maxSum: positive.default(5000) })
      .prefault({}),
    cardTesting: z.strictObject({ enabled, weight: weight.default(0.7), smallAmount: positive.default(5), minCount: z.number().int().min(2).default(4) })
      .prefault({}),
    impossibleTravel: z.strictObject({ enabled, weight: weight.default(0.6), within: duration.default(60 * 60_000) }).prefault({}),
    riskyMerchant: z.strictObject({
        enabled,
        weight: weight.default(0.3),
        categories: z.array(z.string().min(1)).default(['gambling', 'crypto', 'money_transfer', 'gift_cards']),
      })
      .prefault({}),
  })
  .strict();

const ReadingRulesSchema = z
  .object({
    window: duration.default(5 * 60_000),
    allowedLateness: duration.default(10 * 60_000),
    temperature: level(80, 90),
    humidity: level(85, 95),
    pressure: level(1050, 1080),
    /** A change between a device's consecutive readings (closer than `within`) larger than `temperature`. */
    jump: z.strictObject({ enabled, temperature: positive.default(15), within: duration.default(10 * 60_000) }).prefault({}),
    /** A window's average temperature above `temperature`, once it holds at least `minCount` readings. */
    windowAverage: z.strictObject({ enabled, temperature: z.number().default(75), minCount: z.number().int().positive().default(3) })
      .prefault({}),
  })
  .strict();

export const RulesConfigSchema = z
  .object({
    transactions: TransactionRulesSchema.prefault({}),
    readings: ReadingRulesSchema.prefault({}),
    retention: z.strictObject({ decisions: duration.default(30 * DAY), alerts: duration.default(30 * DAY) }).prefault({}),
  })
  .strict();

export type RulesConfig = z.output<typeof RulesConfigSchema>;
export type TransactionRules = RulesConfig['transactions'];
export type ReadingRules = RulesConfig['readings'];
export type RulesConfigInput = z.input<typeof RulesConfigSchema>;

export class RulesConfigError extends Error {
  override readonly name = 'RulesConfigError';
  constructor(
    message: string,
    readonly fields: readonly string[],
  ) {
    super(message);
  }
}

/** Validates a (partial) rules config and fills in the defaults; errors name every bad field. */
export function parseRulesConfig(input: unknown = {}): RulesConfig {
  const parsed = RulesConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // An unknown key is named by its own full path, not its parent's.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: `unknown key "${key}"` }));
    return [{ field: path.join('.'), message: issue.message }];
  });
  const text = problems.map((p) => `${p.field || '(root)'}: ${p.message}`).join('; ');
  throw new RulesConfigError(`invalid rules config: ${text}`, problems.map((p) => p.field));
}

export const DEFAULT_RULES: RulesConfig = parseRulesConfig({});
