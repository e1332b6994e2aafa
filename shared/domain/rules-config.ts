import * as z from 'zod/mini';
import { parseDuration } from './duration';
import { withEnglishMessages } from './zod-messages';
import { ConfigurationError } from '../errors';

/**
 * Every threshold the scoring uses, in one typed, validated config with defaults. A deploy can
 * override any part of it (partial JSON); durations are written like "5m" or given in milliseconds.
 */
/** A duration as milliseconds or a string like "5m"; the parsed value is milliseconds. */
export const DurationSchema = z.pipe(
  z.union([z.number().check(z.int(), z.positive()), z.string()]),
  z.transform((value: number | string, ctx) => {
    if (typeof value === 'number') return value;
    try {
      return parseDuration(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  }),
);
const duration = (fallback: number) => z._default(DurationSchema, fallback);
const DAY = 86_400_000;
const weight = (fallback: number) => z._default(z.number().check(z.minimum(0), z.maximum(1)), fallback);
const positive = (fallback: number) => z._default(z.number().check(z.positive()), fallback);
const positiveInt = (fallback: number) => z._default(z.number().check(z.int(), z.positive()), fallback);
const number = (fallback: number) => z._default(z.number(), fallback);
const enabled = z._default(z.boolean(), true);
/** An object whose fields all have defaults: missing, it is built from `{}` (which the generic type cannot see is valid). */
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.prefault(z.strictObject(shape), {} as z.input<z.ZodMiniObject<T, z.core.$strict>>);

/** A measure's warning and critical levels; either can be overridden alone. */
const level = (warning: number, critical: number) =>
  section({ warning: number(warning), critical: number(critical) }).check(
    z.refine((l) => l.critical >= l.warning, { message: 'critical must be >= warning' }),
  );

/**
 * How far back the window rules look (the last `window` before each event) and the pane they are
 * summed from (the slide: a window is read to the pane, and the pane is what an event is stored
 * in). The window must be a whole number of panes.
 */
const windowOfPanes = z.check<{ window: number; pane: number }>((ctx) => {
  const { window, pane } = ctx.value;
  // The pane is 30 s unless set: say so, since a user who only changed `window` never wrote one.
  const problem =
    pane > window
      ? `window (${window} ms) must be at least one pane (${pane} ms; set "pane" to change it)`
      : window % pane !== 0
        ? `window (${window} ms) must be a whole number of panes (${pane} ms; set "pane" to one that divides it)`
        : undefined;
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: window, path: ['window'] });
});

/**
 * How incidents resolve (after `quietPeriod` without a signal) and remind (at most once per
 * `remindEvery` while open); disabled, the kind sends its per-event alerts only.
 */
const incidentSettings = (quietPeriod: number) =>
  section({ enabled, quietPeriod: duration(quietPeriod), remindEvery: duration(30 * 60_000) });

const TransactionRulesSchema = z
  .strictObject({
    /** The per-user window of velocity and card testing: the last 5 minutes before each transaction. */
    window: duration(5 * 60_000),
    pane: duration(30_000),
    /** How long after its pane's end an event is still counted; later ones are judged and reported as late. */
    allowedLateness: duration(10 * 60_000),
    thresholds: section({ review: weight(0.5), block: weight(0.85) }).check(
      z.refine((t) => t.block >= t.review, { message: 'block must be >= review' }),
    ),
    largeAmount: section({ enabled, weight: weight(0.6), amount: positive(1000) }),
    velocity: section({ enabled, weight: weight(0.5), maxCount: positiveInt(5), maxSum: positive(5000) }),
    cardTesting: section({
      enabled,
      weight: weight(0.7),
      smallAmount: positive(5),
      minCount: z._default(z.number().check(z.int(), z.minimum(2)), 4),
    }),
    impossibleTravel: section({ enabled, weight: weight(0.6), within: duration(60 * 60_000) }),
    /** A user's fraud incident resolves after one window without a signal. */
    incidents: incidentSettings(5 * 60_000),
    // Alone, at the review threshold: these categories are where stolen cards are cashed out.
    riskyMerchant: section({
      enabled,
      weight: weight(0.5),
      categories: z._default(z.array(z.string().check(z.minLength(1))), ['gambling', 'crypto', 'money_transfer', 'gift_cards']),
    }),
  })
  .check(windowOfPanes);

const ReadingRulesSchema = z
  .strictObject({
    /** The per-device window of the average rule: the last 5 minutes before each reading. */
    window: duration(5 * 60_000),
    pane: duration(30_000),
    allowedLateness: duration(10 * 60_000),
    temperature: level(80, 90),
    humidity: level(85, 95),
    pressure: level(1050, 1080),
    /** A change between a device's consecutive readings (closer than `within`) larger than `temperature`. */
    jump: section({ enabled, temperature: positive(15), within: duration(10 * 60_000) }),
    /** A window's average temperature above `temperature`, once it holds at least `minCount` readings. */
    windowAverage: section({ enabled, temperature: number(75), minCount: positiveInt(3) }),
    /** A device's incident resolves once it stayed in range for 10 minutes. */
    incidents: incidentSettings(10 * 60_000),
  })
  .check(windowOfPanes);

export const RulesConfigSchema = z.strictObject({
  transactions: z.prefault(TransactionRulesSchema, {}),
  readings: z.prefault(ReadingRulesSchema, {}),
  retention: section({ decisions: duration(30 * DAY), alerts: duration(30 * DAY) }),
});

export type RulesConfig = z.output<typeof RulesConfigSchema>;
export type TransactionRules = RulesConfig['transactions'];
export type ReadingRules = RulesConfig['readings'];
export type RulesConfigInput = z.input<typeof RulesConfigSchema>;

export class RulesConfigError extends ConfigurationError {
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
  const parsed = z.safeParse(RulesConfigSchema, input, withEnglishMessages);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // An unknown key is named by its own full path, not its parent's.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: `unknown key "${key}"` }));
    return [{ field: path.join('.'), message: issue.message }];
  });
  const text = problems.map((p) => `${p.field || '(root)'}: ${p.message}`).join('; ');
  throw new RulesConfigError(
    `invalid rules config: ${text}`,
    problems.map((p) => p.field),
  );
}

export const DEFAULT_RULES: RulesConfig = parseRulesConfig({});
