import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `redrive quarantine --fix script`: a module whose default export (or `module.exports`) is a
 * function called once per quarantined record, before it is replayed:
 *
 *   (input, record) => fixed
 *
 * `input` is the record's data parsed as JSON, or its text when it is not JSON; `record` says what
 * else is known (the text, the reason it was refused, the partition key, stream, shard and sequence
 * number). What it returns (or resolves to) decides:
 *   - `undefined`: replay the record unchanged (the rules or the limits were fixed instead);
 *   - `null`: drop the record: it is not replayed and its quarantine messages are deleted;
 *   - a string or bytes: the new data, as it is;
 *   - anything else: the new data, as JSON.
 * The record keeps its partition key, shard, sequence number and arrival time.
 */
export interface FixContext {
  readonly text: string;
  readonly reason: string;
  readonly partitionKey: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export type FixFunction = (input: unknown, record: FixContext) => unknown;

export type FixResult = { readonly kind: 'replay'; readonly data: Buffer } | { readonly kind: 'drop' };

/** The fix script cannot be used, or failed on a record: the message says why, in one sentence. */
export class FixScriptError extends Error {
  override readonly name = 'FixScriptError';
}

/** Loads the script (JavaScript, CommonJS, or TypeScript where the CLI runs: it runs under tsx). */
export async function loadFixScript(path: string): Promise<FixFunction> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new FixScriptError(`--fix ${path}: no such file`);
  let loaded: unknown;
  try {
    // require, not import(): under tsx's CommonJS hooks (the CLI) and jest it also loads TypeScript.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(absolute) as unknown;
  } catch (error) {
    throw new FixScriptError(`--fix ${path} does not load: ${(error as Error).message.split('\n')[0]}`);
  }
  const fix = defaultExport(loaded);
  if (typeof fix !== 'function')
    throw new FixScriptError(`--fix ${path} exports no function (export default one, or assign module.exports)`);
  return fix as FixFunction;
}

/** What the fix makes of one record's raw data. */
export async function applyFix(fix: FixFunction, data: Buffer, context: Omit<FixContext, 'text'>): Promise<FixResult> {
  const text = data.toString('utf8');
  let input: unknown = text;
  try {
    input = JSON.parse(text);
  } catch {
    // not JSON: the fix gets the text
  }
  let fixed: unknown;
  try {
    fixed = await fix(input, { ...context, text });
  } catch (error) {
    throw new FixScriptError(`the fix threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (fixed === undefined) return { kind: 'replay', data };
  if (fixed === null) return { kind: 'drop' };
  if (typeof fixed === 'string') return { kind: 'replay', data: Buffer.from(fixed, 'utf8') };
  if (fixed instanceof Uint8Array) return { kind: 'replay', data: Buffer.from(fixed) };
  const json = JSON.stringify(fixed);
  if (json === undefined) throw new FixScriptError(`the fix returned a ${typeof fixed}, which is not data`);
  return { kind: 'replay', data: Buffer.from(json, 'utf8') };
}

/** `export default f` (also through esModuleInterop's wrapper) or `module.exports = f`. */
function defaultExport(module: unknown): unknown {
  let value = module;
  for (let i = 0; i < 2 && typeof value === 'object' && value !== null && 'default' in value; i++)
    value = (value as { default: unknown }).default;
  return value;
}
