import * as z from 'zod/mini';
import type { KIND_NAMES } from '../kinds/names';
import type { DeclaredKinds } from '../kinds/registry';
import { KINDS } from '../kinds/registry';
import { withEnglishMessages } from './zod-messages';
import { duration, section } from './rules-schema';
import { ConfigurationError } from '../errors';

/**
 * Every threshold the scoring uses, in one typed, validated document with defaults: a section per
 * event kind, named as its stream and written by the kind (its `rulesSchema`, in its rules file),
 * and how long decisions and alerts are kept. A deploy can override any part of it (partial JSON).
 */
const DAY = 86_400_000;

type KindSections = { [K in DeclaredKinds[number] as (typeof KIND_NAMES)[K['name']]['stream']]: z.ZodMiniPrefault<K['rulesSchema']> };
const kindSections = Object.fromEntries(KINDS.map((kind) => [kind.stream, z.prefault(kind.rulesSchema, {})])) as unknown as KindSections;

export const RulesConfigSchema = z.strictObject({
  ...kindSections,
  retention: section({ decisions: duration(30 * DAY), alerts: duration(30 * DAY) }),
});

export type RulesConfig = z.output<typeof RulesConfigSchema>;
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
