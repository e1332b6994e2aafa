import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where a stack deployed from this machine is recorded, read without the AWS SDK: commands that only
 * ask whether a stack is deployed here (a backtest of a file) start without loading its clients.
 */
export const ROOT = resolve(__dirname, '..');

/** What the last local deploy of a stack left behind: where, which template, and its outputs. */
export interface DeployRecord {
  readonly endpoint: string;
  readonly templateHash: string;
  readonly outputs: Record<string, string>;
  /** The deploy config overrides it was deployed with (the local runtime synthesizes the same stack for AWS). */
  readonly config?: Record<string, unknown>;
}

export function recordPath(stackName: string): string {
  return join(ROOT, '.riskstream', `${stackName}.deployed.json`);
}

export function readDeployRecord(stackName: string): DeployRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(stackName), 'utf8')) as DeployRecord;
  } catch {
    return undefined;
  }
}
