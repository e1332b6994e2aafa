/**
 * The SDK reads AWS_ENDPOINT_URL[_<SERVICE>] and AWS_MAX_ATTEMPTS from process.env by itself; reading
 * them from `env` as well lets a caller (a test, the local runtime) give each function its own.
 */
export function clientConfig(
  env: NodeJS.ProcessEnv,
  service: 'DYNAMODB' | 'SQS' | 'SNS' | 'KINESIS',
): { endpoint?: string; maxAttempts?: number } {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env['AWS_ENDPOINT_URL'];
  const maxAttempts = Number(env['AWS_MAX_ATTEMPTS']);
  return { ...(endpoint ? { endpoint } : {}), ...(maxAttempts > 0 ? { maxAttempts } : {}) };
}
