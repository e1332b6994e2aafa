import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export interface BundleResult {
  readonly name: string;
  /** index.js as Lambda gets it (the source map is a file of its own). */
  readonly bytes: number;
  /** The largest contributors to the bundle, by package ("riskstream" for our own code). */
  readonly largest: ReadonlyArray<{ readonly source: string; readonly bytes: number }>;
  /** ms to require the bundle in a fresh node process, one figure per run. */
  readonly initMs: readonly number[];
  /** Of which: loading the AWS SDK packages it leaves external (the runtime's copy on Lambda). */
  readonly sdkMs: readonly number[];
}

/**
 * Bundles every function with the options scripts/bundle.mjs uses (those of the CDK stack's
 * NodejsFunction: esbuild, minified, node20, CommonJS, AWS SDK v3 external as the Lambda runtime
 * provides it), into a temporary folder, then times its module init: `require` of the bundle in a
 * fresh node process, which loads the SDK clients it imports and builds the handler with its clients,
 * logger and metrics (what Lambda's init phase runs), without the runtime's own start.
 */
export async function measureBundles(options: { readonly initRuns: number; readonly root?: string }): Promise<BundleResult[]> {
  const root = resolve(options.root ?? '.');
  const outDir = mkdtempSync(join(tmpdir(), 'riskstream-bench-'));
  try {
    const names = readdirSync(join(root, 'functions')).filter((name) =>
      statSync(join(root, 'functions', name, 'handler.ts'), { throwIfNoEntry: false }),
    );
    const results: BundleResult[] = [];
    for (const name of names) {
      const outfile = join(outDir, name, 'index.js');
      const built = await build({
        entryPoints: [join(root, 'functions', name, 'handler.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minify: true,
        sourcemap: true,
        external: ['@aws-sdk/*'],
        logLevel: 'warning',
        metafile: true,
      });
      const output = Object.entries(built.metafile.outputs).find(([path]) => path.endsWith('index.js'))?.[1];
      const bySource = new Map<string, number>();
      for (const [path, input] of Object.entries(output?.inputs ?? {})) {
        const source = packageOf(path);
        bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
      }
      const largest = [...bySource]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([source, bytes]) => ({ source, bytes }));
      const externals = [
        ...new Set((output?.imports ?? []).filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
      ];
      const runs = Array.from({ length: options.initRuns }, () => timeRequire(outfile, externals, root));
      results.push({ name, bytes: statSync(outfile).size, largest, initMs: runs.map((r) => r.totalMs), sdkMs: runs.map((r) => r.sdkMs) });
    }
    return results;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The package a bundled file comes from (the innermost node_modules), or "riskstream" for our code. */
export function packageOf(path: string): string {
  const normalized = path.replace(/\\/g, '/');
  const at = normalized.lastIndexOf('node_modules/');
  if (at < 0) return 'riskstream';
  return /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(normalized.slice(at))?.[1] ?? 'riskstream';
}

/** The environment a deployed function has (names only matter: nothing is called during init). */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  EVENT_KIND: 'transaction', // the scorer's (functions/score), told its kind as the stack tells it
  STATE_TABLE: 'riskstream-state',
  ALERTS_TABLE: 'riskstream-alerts',
  QUARANTINE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-quarantine',
  ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:riskstream-alerts',
  ALERTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-publish-alerts-dlq',
  TRANSACTIONS_STREAM: 'riskstream-transactions',
  READINGS_STREAM: 'riskstream-readings',
  ORDERS_STREAM: 'riskstream-orders',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** The SDK packages first (timed on their own), then the bundle, which finds them loaded. */
function timeRequire(file: string, externals: readonly string[], root: string): { totalMs: number; sdkMs: number } {
  const script = [
    'const t0 = performance.now();',
    `for (const m of ${JSON.stringify(externals)}) require(m);`,
    'const t1 = performance.now();',
    `require(${JSON.stringify(file)});`,
    'process.stdout.write(JSON.stringify({ totalMs: performance.now() - t0, sdkMs: t1 - t0 }));',
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env['PATH'] ?? '', ...FUNCTION_ENV, NODE_PATH: join(root, 'node_modules') },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`requiring ${file} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as { totalMs: number; sdkMs: number };
}
