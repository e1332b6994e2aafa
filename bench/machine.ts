import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly moto: string;
  readonly packages: Readonly<Record<string, string>>;
}

/** The packages whose versions the figures depend on. */
const PACKAGES = [
  '@aws-lambda-powertools/idempotency',
  '@aws-lambda-powertools/batch',
  '@aws-lambda-powertools/logger',
  '@aws-lambda-powertools/metrics',
  '@aws-sdk/client-dynamodb',
  '@middy/core',
  'zod',
  'esbuild',
  'tsx',
];

export function describeMachine(root = '.'): Machine {
  const lscpu = run('lscpu', []);
  const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpus: availableParallelism(),
    cpuModel: model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    moto: motoVersion(),
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(root, name)])),
  };
}

/** The 1-minute load average: how busy the machine was besides the bench. */
export function load(): number {
  return loadavg()[0] ?? 0;
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** moto_server has no --version: ask the Python that runs it (its script's #! line, else the one on PATH). */
function motoVersion(): string {
  const script = run('sh', ['-c', 'command -v moto_server']).trim();
  const shebang = script ? /^#!\s*(\S*python\S*)/.exec(readFileSync(script, 'utf8').split('\n')[0] ?? '')?.[1] : undefined;
  for (const python of [shebang, 'python', 'python3']) {
    const version = python ? run(python, ['-c', 'import moto; print(moto.__version__)']).trim() : '';
    if (version) return version;
  }
  return 'unknown';
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout : '';
}
