import { startMotoServer } from '../../local/moto-server';

/**
 * Integration tests talk HTTP to a real emulator: the one in AWS_ENDPOINT_URL (LocalStack, say)
 * or a moto server started here on a free loopback port. Workers inherit these variables.
 */
export default async function globalSetup(): Promise<void> {
  process.env['AWS_REGION'] ??= 'us-east-1';
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  // The functions' JSON logs and EMF lines would bury the test report; tests read metrics through the Metrics object.
  process.env['POWERTOOLS_LOG_LEVEL'] ??= 'SILENT';
  process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
  if (process.env['AWS_ENDPOINT_URL']) return;
  const emulator = await startMotoServer();
  process.env['AWS_ENDPOINT_URL'] = emulator.endpoint;
  (globalThis as { riskstreamEmulator?: typeof emulator }).riskstreamEmulator = emulator;
}
