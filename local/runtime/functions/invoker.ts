import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Invoke } from '../types';
import { ROOT } from '../../deploy';
import { RetryableError } from '../../../shared/errors';

/**
 * A deployed function run in-process, where the emulator cannot run Lambda (moto): its bundle in
 * its own worker thread, which is one Lambda execution environment. The worker has its own
 * process.env (the function's deployed environment, the caller's endpoint, region and credentials,
 * and the variables Lambda sets), loads the bundle once (init), and runs one invocation at a time
 * with a Lambda-shaped context. A handler's error comes back as a rejected invoke (a function error);
 * a timeout or a crash ends the environment, and the next invocation starts a fresh one (a cold start).
 */

/** worker.js sits next to this file, in the sources and wherever they are run from (tsx, ts-jest). */
const WORKER = join(__dirname, 'worker.js');
/** Where the bundles find the AWS SDK v3, which they leave to the Lambda runtime (`externalModules: ['@aws-sdk/*']`). */
const RUNTIME_MODULES = join(ROOT, 'node_modules');

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface LoadFunctionOptions {
  /** The deployed name. */
  readonly functionName: string;
  /** The bundle's directory (LAMBDA_TASK_ROOT), holding index.js. */
  readonly assetDir: string;
  /** The function's deployed environment (see deployedEnvironment); any extra variables the caller wants, merged in. */
  readonly environment: Readonly<Record<string, string>>;
  /** `file.export`, as Lambda's Handler setting; default `index.handler`. */
  readonly handler?: string;
  /** Default 128 (Lambda's). */
  readonly memorySizeMb?: number;
  /** Default 3 s (Lambda's); an invocation running longer is ended, as Lambda ends it. */
  readonly timeoutMs?: number;
  readonly functionArn?: string;
  /** Default: AWS_ENDPOINT_URL, AWS_REGION and the credentials of this process (emulators take any key). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: Credentials;
  /** Where the function's own output (its JSON logs and EMF metrics) goes; default: this process's stdout and stderr. */
  readonly logs?: NodeJS.WritableStream;
}

export interface LoadedFunction {
  readonly functionName: string;
  /** One invocation at a time, in call order, as one Lambda execution environment. */
  readonly invoke: Invoke;
  /** Lets the invocations already made finish, then ends the worker; later invokes reject. */
  close(): Promise<void>;
}

/**
 * A function error: the handler threw or rejected (errorType is the error's name), timed out
 * (`Sandbox.Timedout`) or crashed. Lambda retries the batch, and so does the runtime.
 */
export class FunctionError extends RetryableError {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    readonly functionStack?: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly id: number; readonly ok: true; readonly result: string }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

interface Pending {
  readonly id: number;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** The environment a function's worker gets: deployed, then the caller's AWS settings, then what Lambda sets (which wins, as reserved). */
export function functionEnvironment(options: LoadFunctionOptions): Record<string, string> {
  const region = options.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const endpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL'];
  const credentials = options.credentials ?? {
    accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
    secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
    ...(process.env['AWS_SESSION_TOKEN'] ? { sessionToken: process.env['AWS_SESSION_TOKEN'] } : {}),
  };
  const taskRoot = resolve(options.assetDir);
  return {
    ...options.environment,
    ...(endpoint ? { AWS_ENDPOINT_URL: endpoint } : {}),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb ?? 128),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    _HANDLER: options.handler ?? 'index.handler',
    LAMBDA_TASK_ROOT: taskRoot,
    NODE_PATH: RUNTIME_MODULES,
  };
}

/** Starts the function's execution environment and runs its init (loads the bundle); rejects if init fails. */
export async function loadFunction(options: LoadFunctionOptions): Promise<LoadedFunction> {
  const { functionName } = options;
  const handler = options.handler ?? 'index.handler';
  const timeoutMs = options.timeoutMs ?? 3_000;
  const memorySizeMb = options.memorySizeMb ?? 128;
  const environment = functionEnvironment(options);
  const region = environment['AWS_REGION'] ?? 'us-east-1';
  const functionArn = options.functionArn ?? `arn:aws:lambda:${region}:000000000000:function:${functionName}`;
  const taskRoot = environment['LAMBDA_TASK_ROOT'] ?? options.assetDir;

  /** The execution environment: a worker, and its init (resolves once the bundle is loaded). */
  let current: { readonly worker: Worker; readonly ready: Promise<Worker>; readonly logStreamName: string } | undefined;
  let pending: (Pending & { readonly worker: Worker }) | undefined;
  let nextId = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const fail = (errorType: string, message: string, stack?: string) => new FunctionError(functionName, errorType, message, stack);

  /** Ends an environment: the next invocation starts a fresh one; its running invocation, if any, fails with `error`. */
  const discard = (worker: Worker, error: FunctionError) => {
    if (current?.worker === worker) current = undefined;
    const settle = pending?.worker === worker ? pending : undefined;
    if (settle) pending = undefined;
    settle?.reject(error);
  };

  const start = (): NonNullable<typeof current> => {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const worker = new Worker(WORKER, {
      env: { ...environment, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
      workerData: { taskRoot, handler },
      // What the function prints is its log (CloudWatch Logs on AWS): to the caller's stream if given.
      ...(options.logs ? { stdout: true, stderr: true } : {}),
    });
    if (options.logs) {
      worker.stdout.pipe(options.logs, { end: false });
      worker.stderr.pipe(options.logs, { end: false });
    }
    // An idle environment does not keep the process alive; a running invocation's timer does.
    worker.unref();
    const ready = new Promise<Worker>((resolveReady, rejectReady) => {
      const ended = (error: FunctionError) => {
        rejectReady(error); // no effect once ready
        discard(worker, error);
      };
      worker.on('message', (message: WorkerMessage) => {
        if ('type' in message) {
          if (message.type === 'ready') resolveReady(worker);
          else {
            ended(fail(message.error.name, message.error.message, message.error.stack));
            void worker.terminate();
          }
          return;
        }
        if (pending?.id !== message.id) return;
        const settle = pending;
        pending = undefined;
        if (message.ok) settle.resolve(JSON.parse(message.result));
        else settle.reject(fail(message.error.name, message.error.message, message.error.stack));
      });
      // An uncaught exception or unhandled rejection ends the environment, as it ends Lambda's runtime.
      worker.on('error', (error) => ended(fail(error.name || 'Runtime.UnhandledError', error.message, error.stack)));
      worker.on('exit', (code) => ended(fail('Runtime.ExitError', `Runtime exited with error: exit status ${code}`)));
    });
    // Nobody may be waiting on an init that fails while idle.
    ready.catch(() => undefined);
    current = { worker, ready, logStreamName };
    return current;
  };

  const dispatch = async (event: unknown): Promise<unknown> => {
    const environmentNow = current ?? start();
    const worker = await environmentNow.ready;
    const id = ++nextId;
    const awsRequestId = randomUUID();
    const context = {
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn,
      memoryLimitInMB: String(memorySizeMb),
      awsRequestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: environmentNow.logStreamName,
      deadline: Date.now() + timeoutMs,
    };
    return new Promise<unknown>((resolveInvoke, rejectInvoke) => {
      const timer = setTimeout(() => {
        discard(
          worker,
          fail('Sandbox.Timedout', `RequestId: ${awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`),
        );
        void worker.terminate();
      }, timeoutMs);
      pending = {
        id,
        worker,
        resolve: (result) => {
          clearTimeout(timer);
          resolveInvoke(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          rejectInvoke(error);
        },
      };
      worker.postMessage({ id, event: JSON.stringify(event ?? null), context });
    });
  };

  const invoke: Invoke = (event) => {
    if (closed) return Promise.reject(new Error(`function ${functionName} is closed`));
    const run = queue.then(() => dispatch(event));
    queue = run.catch(() => undefined);
    return run;
  };

  await start().ready;
  return {
    functionName,
    invoke,
    async close() {
      closed = true;
      await queue;
      const worker = current?.worker;
      current = undefined;
      await worker?.terminate();
    },
  };
}

export interface DeployedFunction {
  readonly functionName: string;
  readonly functionArn?: string;
  readonly environment: Record<string, string>;
  readonly memorySizeMb: number;
  readonly timeoutMs: number;
  readonly handler: string;
}

/** A deployed function's configuration as the emulator holds it (GetFunctionConfiguration; moto returns it, though it cannot run the function). */
export async function deployedFunction(
  functionName: string,
  endpoint: string,
  region: string,
  credentials?: Credentials,
): Promise<DeployedFunction> {
  const lambda = new LambdaClient({ endpoint, region, ...(credentials ? { credentials } : {}) });
  try {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return {
      functionName,
      ...(config.FunctionArn ? { functionArn: config.FunctionArn } : {}),
      environment: { ...(config.Environment?.Variables ?? {}) },
      memorySizeMb: config.MemorySize ?? 128,
      timeoutMs: (config.Timeout ?? 3) * 1000,
      handler: config.Handler ?? 'index.handler',
    };
  } finally {
    lambda.destroy();
  }
}

/** The deployed function's environment variables. */
export async function deployedEnvironment(
  functionName: string,
  endpoint: string,
  region: string,
  credentials?: Credentials,
): Promise<Record<string, string>> {
  return (await deployedFunction(functionName, endpoint, region, credentials)).environment;
}
