import { functionEnvironment } from '../../../local/runtime/functions/invoker';

describe('functionEnvironment', () => {
  it('is the deployed environment, then the caller’s endpoint, region and credentials, then what Lambda sets', () => {
    const env = functionEnvironment({
      functionName: 'rs-score-transactions',
      assetDir: '/tmp/asset.abc',
      environment: { STATE_TABLE: 'rs-state', AWS_REGION: 'deployed-region', AWS_LAMBDA_FUNCTION_NAME: 'not-reserved-here' },
      memorySizeMb: 512,
      endpoint: 'http://localhost:4566',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
    });
    expect(env).toMatchObject({
      STATE_TABLE: 'rs-state',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'SECRET',
      AWS_LAMBDA_FUNCTION_NAME: 'rs-score-transactions',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/rs-score-transactions',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: '/tmp/asset.abc',
    });
    expect(env['NODE_PATH']).toMatch(/node_modules$/);
    expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
  });

  it("takes Lambda's defaults and this process's AWS settings when not told otherwise", () => {
    const env = functionEnvironment({ functionName: 'f', assetDir: 'relative/dir', environment: {}, handler: 'main.run' });
    expect(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']).toBe('128');
    expect(env['_HANDLER']).toBe('main.run');
    expect(env['LAMBDA_TASK_ROOT']).toMatch(/^\/.*relative\/dir$/);
    expect(env['AWS_ACCESS_KEY_ID']).toBe(process.env['AWS_ACCESS_KEY_ID'] ?? 'test');
  });
});
