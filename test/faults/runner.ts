/**
 * The local runtime in a process of its own, so that the suite can kill it (SIGKILL) while it writes
 * and start it again: `node -r tsx/cjs test/faults/runner.ts <config.json>`. It is the runtime of
 * `riskstream run --idle-exit`, started from a stack the suite already opened (so a restart does not
 * synthesize it again) and, when asked, with Lambda's delivery faults around every invocation.
 * Prints one JSON line at the end: the mappings' statuses and the delivery faults it played.
 */
import { readFileSync } from 'node:fs';
import { deliveryFaults } from '../../local/faults/delivery-faults';
import type { DeliveryFaultRates } from '../../local/faults/delivery-faults';
import type { DeployedStack } from '../../local/runtime/runtime';
import { startLocalRuntime } from '../../local/runtime/runtime';

export interface RunnerConfig {
  /** The opened stack, its asset directories as entries (JSON has no Map). */
  readonly stack: Omit<DeployedStack, 'assetDirs'> & { readonly assetDirs: Array<[string, string]> };
  readonly fromStart: boolean;
  readonly idleMs: number;
  readonly delivery?: DeliveryFaultRates;
  readonly seed: number;
}

async function main(configPath: string): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as RunnerConfig;
  const stack: DeployedStack = { ...config.stack, assetDirs: new Map(config.stack.assetDirs) };
  const faults = config.delivery ? deliveryFaults(config.delivery, config.seed) : undefined;
  const runtime = await startLocalRuntime({
    stackName: stack.stackName,
    stack,
    fromStart: config.fromStart,
    log: (line) => process.stderr.write(`${line}\n`),
    ...(faults ? { invokeThrough: faults.wrap } : {}),
  });
  const statuses = await runtime.runUntilIdle(config.idleMs);
  process.stdout.write(`${JSON.stringify({ statuses, delivery: faults?.stats() ?? null })}\n`);
}

main(process.argv[2] ?? '').then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`runner: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
