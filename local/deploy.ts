import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { CfnTemplate, GapFix } from './emulator-gaps';
import { applyEmulatorGaps } from './emulator-gaps';
import type { DeployRecord } from './deploy-record';
import { readDeployRecord, recordPath, ROOT } from './deploy-record';

export { readDeployRecord, recordPath, ROOT } from './deploy-record';
export type { DeployRecord } from './deploy-record';

const CDK = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

export interface LocalDeployOptions {
  /** The emulator: moto server or LocalStack. */
  readonly endpoint: string;
  readonly stackName?: string;
  /** Overrides of the deploy config (infra/config.ts), passed as the `riskstream` context. */
  readonly config?: Record<string, unknown>;
  /** Where the cloud assembly goes (default cdk.out.local/<stack>: two stacks deploy side by side without sharing one). */
  readonly outdir?: string;
  readonly region?: string;
  readonly log?: (line: string) => void;
}

export interface LocalDeployResult {
  readonly emulator: 'moto' | 'other';
  readonly stackName: string;
  readonly account: string;
  readonly outputs: Record<string, string>;
  readonly fixes: readonly GapFix[];
  readonly resourceCount: number;
  readonly seconds: number;
  readonly templatePath: string;
}

/** moto answers on /moto-api/; LocalStack and others do not. */
export async function isMoto(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/moto-api/', endpoint.replace('//localhost', '//127.0.0.1')));
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * `cdk deploy` of the stack into a local emulator: the one way resources come to exist, here as
 * on AWS. On moto the deploy is an emulator deploy (no event source mappings) followed by the one
 * post-deploy step that applies what moto's CloudFormation skips (emulator-gaps.ts), and says so.
 * LocalStack runs the stack as it is, mappings and all.
 */
/**
 * The deploy config overrides a local deploy passes: the caller's, and — for a stack not named
 * Riskstream, unless the caller names its resources — resources named after the stack, so that two
 * stacks deployed into one emulator do not fight over one stream or table name.
 */
export function localDeployConfig(stackName: string, config: Record<string, unknown> = {}): Record<string, unknown> {
  if (stackName === 'Riskstream' || 'name' in config) return config;
  return {
    name: stackName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .slice(0, 31),
    ...config,
  };
}

export async function deployLocal(options: LocalDeployOptions): Promise<LocalDeployResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const region = options.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
  const stackName = options.stackName ?? 'Riskstream';
  const outdir = resolve(ROOT, options.outdir ?? join('cdk.out.local', stackName));
  const moto = await isMoto(options.endpoint);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: options.endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
  };
  const credentials = { accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? 'test', secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? 'test' };
  const sts = new STSClient({ endpoint: options.endpoint, region, credentials });
  const account = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  Object.assign(env, { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region });

  const common = ['--no-notices', '--no-version-reporting', '--output', outdir, '-c', `stackName=${stackName}`];
  const overrides = localDeployConfig(stackName, options.config);
  const config = { ...overrides, ...(moto ? { emulator: true } : {}) };
  const context = ['-c', `riskstream=${JSON.stringify(config)}`];
  log(`deploying ${stackName} to ${moto ? 'moto server' : 'the emulator'} at ${options.endpoint} (account ${account}, ${region})`);
  const cfn = new CloudFormationClient({ endpoint: options.endpoint, region, credentials });
  const templatePath = join(outdir, `${stackName}.template.json`);
  const status = moto ? await stackStatus(cfn, stackName) : undefined;
  if (status === 'CREATE_COMPLETE') {
    // moto cannot update a stack: the deployed one is reused if the template is the same.
    await runCdk(['synth', stackName, '--quiet', ...common, ...context], env, log);
    const deployed = readDeployRecord(stackName);
    if (deployed?.endpoint !== options.endpoint || deployed.templateHash !== hashFile(templatePath)) {
      throw new Error(
        `${stackName} is already deployed on this moto server with a different template, and moto cannot update a stack: run \`npx riskstream down\` (a moto server riskstream started; its data goes with it) or restart the emulator, then start again.`,
      );
    }
    log(`${stackName} is already deployed on this moto server with the same template: reusing it`);
  } else {
    if (status && LEFT_BY_A_FAILED_CREATE.has(status)) await deleteFailedStack(cfn, stackName, status, log);
    else if (status && status !== 'DELETE_COMPLETE')
      throw new Error(`${stackName} is ${status} on this emulator: wait for it, or restart the emulator.`);
    await runCdk(['bootstrap', `aws://${account}/${region}`, ...common, ...context], env, log);
    await runCdk(['deploy', stackName, '--require-approval', 'never', '--progress', 'events', ...common, ...context], env, log);
    // New streams and tables: checkpoints of an earlier stack of this name point into nothing.
    rmSync(join(ROOT, '.riskstream', `${stackName}.checkpoints.json`), { force: true });
  }

  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  let fixes: readonly GapFix[] = [];
  let outputs: Record<string, string> = {};
  if (moto) {
    const applied = await applyEmulatorGaps({ template, stackName, endpoint: options.endpoint, region, account, credentials });
    fixes = applied.fixes;
    outputs = applied.outputs;
    const counts = new Map<string, number>();
    for (const fix of fixes) counts.set(fix.type, (counts.get(fix.type) ?? 0) + 1);
    log(
      `moto's CloudFormation reports these created but does not create them; applied through the APIs from the template: ${
        [...counts].map(([type, n]) => `${n} × ${type}`).join(', ') || 'nothing left to apply'
      }; stack outputs resolved from the template (moto drops them).`,
    );
  } else {
    outputs = JSON.parse(readFileSync(join(outdir, 'outputs.json'), 'utf8'))[stackName] ?? {};
  }
  mkdirSync(join(ROOT, '.riskstream'), { recursive: true });
  const record: DeployRecord = { endpoint: options.endpoint, templateHash: hashFile(templatePath), outputs, config: overrides };
  writeFileSync(recordPath(stackName), `${JSON.stringify(record, null, 2)}\n`);
  return {
    emulator: moto ? 'moto' : 'other',
    stackName,
    account,
    outputs,
    fixes,
    resourceCount: Object.keys(template.Resources).length,
    seconds: (Date.now() - started) / 1000,
    templatePath,
  };
}

function hashFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** States in which a stack holds nothing worth keeping and blocks the next create. */
const LEFT_BY_A_FAILED_CREATE = new Set(['REVIEW_IN_PROGRESS', 'CREATE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED']);

async function stackStatus(cfn: CloudFormationClient, stackName: string): Promise<string | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.StackStatus;
  } catch {
    return undefined; // no such stack
  }
}

/**
 * moto cannot update a stack (a change set fails with "Stack with id cdk-deploy-change-set does not
 * exist"), and a failed create leaves it in REVIEW_IN_PROGRESS or a rollback state, which blocks the
 * next create: such a stack, holding nothing, is deleted first.
 */
async function deleteFailedStack(cfn: CloudFormationClient, stackName: string, status: string, log: (line: string) => void): Promise<void> {
  log(`deleting ${stackName}, left in ${status} by an earlier deploy, before creating it again`);
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  for (let i = 0; i < 120; i++) {
    const now = await stackStatus(cfn, stackName);
    if (!now || now === 'DELETE_COMPLETE') return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`stack ${stackName} was not deleted within a minute`);
}

/** The project's own CDK CLI, from the repository root; on failure the tail of its output goes to `log`. */
export function runCdk(args: readonly string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const withOutputs =
    args[0] === 'deploy' ? [...args, '--outputs-file', join(args[args.indexOf('--output') + 1] ?? 'cdk.out.local', 'outputs.json')] : args;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CDK, ...withOutputs], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const collect = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-6000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolvePromise();
      log(tail);
      reject(new Error(`cdk ${args[0] ?? ''} failed with exit code ${code}`));
    });
  });
}
