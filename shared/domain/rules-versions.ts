import type { RulesConfig } from './rules-config';
import { parseRulesConfig } from './rules-config';

/**
 * The rules as versioned data: every document stored gets the next number and is never changed;
 * one version is live, at most one is the candidate. Pure: storing them is the rules store's job
 * (adapters/dynamodb-rules.ts), reading the live one the functions' (config/live-rules.ts).
 */

export interface RulesVersion {
  readonly version: number;
  /** The whole validated rules config, defaults filled in. */
  readonly document: RulesConfig;
  readonly note: string;
  /** ISO time it was stored. */
  readonly createdAt: string;
  /** The live version it was proposed over (its parts not in the proposal come from there). */
  readonly basedOn?: number;
}

/** Which version decides, which one is tried beside it, and the highest number given. */
export interface RulesHead {
  readonly live: number;
  readonly candidate?: number;
  readonly latest: number;
  /** The versions that were live before the live one: what a rollback may go back to. */
  readonly wasLive: readonly number[];
}

/** Before anything is stored, the deploy's rules (RULES_CONFIG) are version 1 and live. */
export const SEED_VERSION = 1;

/**
 * A proposal as it would be stored: `part` (any part of a rules config) merged over the live
 * document, then validated; RulesConfigError names every bad field.
 */
export function proposedRules(live: RulesConfig, part: unknown): RulesConfig {
  return parseRulesConfig(mergeRules(live, part));
}

/** Deep merge of plain objects; arrays and values of `part` replace those of `base`. */
export function mergeRules(base: unknown, part: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(part)) return part === undefined ? base : part;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(part)) merged[key] = mergeRules(base[key], value);
  return merged;
}

export interface RulesChange {
  /** `transactions.largeAmount.amount` */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Every leaf that differs between two documents, in path order. */
export function rulesDiff(a: unknown, b: unknown, path = ''): RulesChange[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => rulesDiff(a[key], b[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: path || '(root)', from: a, to: b }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
