import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LoadedFunction } from '../../local/runtime/functions/invoker';
import { deployedEnvironment, deployedFunction, FunctionError, loadFunction } from '../../local/runtime/functions/invoker';
import { physicalIdsOf } from '../../local/runtime/functions/mappings';

/**
 * The local runtime's function invoker: a bundle run in its own worker thread, with its own
 * environment, a Lambda-shaped context, one invocation at a time; errors, timeouts and close().
 */
const BUNDLE = `'use strict';
const { appendFileSync } = require('node:fs');
let invocations = 0;
let inFlight = 0;
let maxInFlight = 0;
let heartbeat;
exports.handler = async (event, context) => {
  invocations += 1;
  inFlight += 1;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    if (event.heartbeat && !heartbeat) heartbeat = setInterval(() => appendFileSync(event.heartbeat, 'x'), 10);
    if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
    if (event.fail) throw Object.assign(new Error('record ' + event.Records.length + ' is poison'), { name: 'PoisonRecordError' });
    return {
      env: process.env.STATE_TABLE,
      name: context.functionName,
      records: event.Records.length,
      invocations,
      maxInFlight,
      context: {
        functionVersion: context.functionVersion,
        awsRequestId: context.awsRequestId,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        remainingMs: context.getRemainingTimeInMillis(),
      },
      lambdaEnv: {
        AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        AWS_LAMBDA_FUNCTION_VERSION: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        _HANDLER: process.env._HANDLER,
        LAMBDA_TASK_ROOT: process.env.LAMBDA_TASK_ROOT,
        AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
        AWS_REGION: process.env.AWS_REGION,
      },
    };
  } finally {
    inFlight -= 1;
  }
};
`;

interface Reply {
  env?: string;
  name: string;
  records: number;
  invocations: number;
  maxInFlight: number;
  context: {
    functionVersion: string;
    awsRequestId: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    logGroupName: string;
    remainingMs: number;
  };
  lambdaEnv: Record<string, string | undefined>;
}

const endpoint = process.env['AWS_ENDPOINT_URL'] ?? '';
const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const root = mkdtempSync(join(tmpdir(), 'riskstream-functions-'));
const assetDir = join(root, 'asset.tiny');
mkdirSync(assetDir);
writeFileSync(join(assetDir, 'index.js'), BUNDLE);
const records = (n: number) => ({ Records: Array.from({ length: n }, (_, i) => ({ eventID: String(i) })) });

describe('loadFunction', () => {
  const loaded: LoadedFunction[] = [];
  const load = async (...args: Parameters<typeof loadFunction>) => {
    const fn = await loadFunction(...args);
    loaded.push(fn);
    return fn;
  };
  afterAll(async () => {
    await Promise.all(loaded.map((fn) => fn.close()));
  });

  it('gives each function its own process.env, side by side', async () => {
    const [a, b] = await Promise.all([
      load({ functionName: 'fn-a', assetDir, environment: { STATE_TABLE: 'table-a' } }),
      load({ functionName: 'fn-b', assetDir, environment: { STATE_TABLE: 'table-b' } }),
    ]);
    const [fromA, fromB] = (await Promise.all([a.invoke(records(3)), b.invoke(records(1))])) as Reply[];
    expect(fromA).toMatchObject({ env: 'table-a', name: 'fn-a', records: 3 });
    expect(fromB).toMatchObject({ env: 'table-b', name: 'fn-b', records: 1 });
    expect(process.env['STATE_TABLE']).toBeUndefined();
  });

  it('hands the handler a Lambda-shaped context and the variables Lambda sets', async () => {
    const fn = await load({
      functionName: 'fn-context',
      assetDir,
      environment: { STATE_TABLE: 't' },
      memorySizeMb: 512,
      timeoutMs: 5000,
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn-context',
      endpoint: 'http://localhost:4566',
      region: 'eu-central-1',
    });
    const first = (await fn.invoke(records(1))) as Reply;
    const second = (await fn.invoke(records(1))) as Reply;
    expect(first.context).toMatchObject({
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn-context',
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/fn-context',
    });
    expect(first.context.awsRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.context.awsRequestId).not.toBe(first.context.awsRequestId);
    expect(first.context.remainingMs).toBeGreaterThan(4000);
    expect(first.context.remainingMs).toBeLessThanOrEqual(5000);
    expect(first.lambdaEnv).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'fn-context',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: assetDir,
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_REGION: 'eu-central-1',
    });
    // One execution environment: module state survives between invocations.
    expect(second.invocations).toBe(2);
  });

  it('surfaces a thrown error as a rejected invoke, and keeps the environment', async () => {
    const fn = await load({ functionName: 'fn-error', assetDir, environment: {} });
    const failure = fn.invoke({ ...records(2), fail: true });
    await expect(failure).rejects.toBeInstanceOf(FunctionError);
    await expect(failure).rejects.toMatchObject({
      name: 'PoisonRecordError',
      errorType: 'PoisonRecordError',
      message: 'record 2 is poison',
      functionName: 'fn-error',
    });
    expect(((await fn.invoke(records(1))) as Reply).invocations).toBe(2);
  });

  it('runs one invocation at a time, in call order', async () => {
    const fn = await load({ functionName: 'fn-serial', assetDir, environment: {} });
    const replies = (await Promise.all([1, 2, 3, 4, 5].map((n) => fn.invoke({ ...records(n), sleepMs: 20 })))) as Reply[];
    expect(replies.map((r) => r.records)).toEqual([1, 2, 3, 4, 5]);
    expect(replies.map((r) => r.invocations)).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...replies.map((r) => r.maxInFlight))).toBe(1);
  });

  it('ends an invocation at the timeout, and starts a fresh environment for the next', async () => {
    const fn = await load({ functionName: 'fn-timeout', assetDir, environment: {}, timeoutMs: 300 });
    expect(((await fn.invoke(records(1))) as Reply).invocations).toBe(1);
    await expect(fn.invoke({ ...records(1), sleepMs: 5000 })).rejects.toMatchObject({
      errorType: 'Sandbox.Timedout',
      message: expect.stringMatching(/Task timed out after 0\.30 seconds/),
    });
    expect(((await fn.invoke(records(1))) as Reply).invocations).toBe(1);
  });

  it('fails to load a bundle whose init throws', async () => {
    const broken = join(root, 'asset.broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'index.js'), "throw new Error('RULES_CONFIG is not valid JSON');\n");
    await expect(loadFunction({ functionName: 'fn-broken', assetDir: broken, environment: {} })).rejects.toMatchObject({
      message: 'RULES_CONFIG is not valid JSON',
    });
    await expect(loadFunction({ functionName: 'fn-nohandler', assetDir, environment: {}, handler: 'index.missing' })).rejects.toMatchObject(
      { errorType: 'Runtime.HandlerNotFound' },
    );
  });

  it('close() lets the invocations made finish, then ends the worker', async () => {
    const fn = await loadFunction({ functionName: 'fn-close', assetDir, environment: {} });
    const beats = join(root, 'heartbeat');
    writeFileSync(beats, '');
    const inFlight = fn.invoke({ ...records(4), heartbeat: beats, sleepMs: 50 });
    await fn.close();
    expect(((await inFlight) as Reply).records).toBe(4);
    const size = readFileSync(beats).length;
    expect(size).toBeGreaterThan(0);
    await sleep(150);
    expect(readFileSync(beats).length).toBe(size); // the worker's timer is gone with it
    await expect(fn.invoke(records(1))).rejects.toThrow(/fn-close is closed/);
  });
});

describe('a function deployed into the emulator', () => {
  const cfn = new CloudFormationClient({ endpoint, region, credentials });
  const suffix = Date.now().toString(36);
  const stackName = `RuntimeFunctions${suffix}`;
  const template = {
    Resources: {
      State: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: `rf${suffix}-state`,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        },
      },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: `rf${suffix}-score`,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          MemorySize: 256,
          Timeout: 9,
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => null;' },
          Environment: { Variables: { STATE_TABLE: { Ref: 'State' }, COMMIT_MODE: 'conditional' } },
        },
      },
    },
  };

  beforeAll(async () => {
    await cfn.send(
      new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template), Capabilities: ['CAPABILITY_IAM'] }),
    );
    for (let i = 0; i < 120; i++) {
      const status = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.StackStatus;
      if (status === 'CREATE_COMPLETE') return;
      if (status !== 'CREATE_IN_PROGRESS') throw new Error(`${stackName} is ${status}`);
      await sleep(500);
    }
    throw new Error(`${stackName} was not created within a minute`);
  }, 90_000);

  afterAll(async () => {
    await cfn.send(new DeleteStackCommand({ StackName: stackName })).catch(() => undefined);
    cfn.destroy();
  });

  it('names its resources by logical id (physicalIdsOf)', async () => {
    const ids = await physicalIdsOf(stackName, cfn);
    expect(ids.get('State')).toBe(`rf${suffix}-state`);
    expect(ids.get('Fn')).toBe(`rf${suffix}-score`);
    expect(ids.get('Role')).toBeDefined();
  });

  it('runs the bundle with the environment, memory, timeout and ARN the emulator holds', async () => {
    const functionName = `rf${suffix}-score`;
    expect(await deployedEnvironment(functionName, endpoint, region, credentials)).toEqual({
      STATE_TABLE: `rf${suffix}-state`,
      COMMIT_MODE: 'conditional',
    });
    const deployed = await deployedFunction(functionName, endpoint, region, credentials);
    expect(deployed).toMatchObject({
      memorySizeMb: 256,
      timeoutMs: 9000,
      handler: 'index.handler',
      functionArn: expect.stringContaining(`:function:${functionName}`),
    });
    const fn = await loadFunction({
      functionName,
      assetDir,
      environment: deployed.environment,
      memorySizeMb: deployed.memorySizeMb,
      timeoutMs: deployed.timeoutMs,
      handler: deployed.handler,
      ...(deployed.functionArn ? { functionArn: deployed.functionArn } : {}),
      endpoint,
      region,
      credentials,
    });
    try {
      const reply = (await fn.invoke(records(2))) as Reply;
      expect(reply).toMatchObject({ env: `rf${suffix}-state`, name: functionName, records: 2 });
      expect(reply.context).toMatchObject({ memoryLimitInMB: '256', invokedFunctionArn: deployed.functionArn });
      expect(reply.context.remainingMs).toBeGreaterThan(8000);
      expect(reply.lambdaEnv['AWS_ENDPOINT_URL']).toBe(endpoint);
    } finally {
      await fn.close();
    }
  });
});
