import { startMotoServer } from '../../local/moto-server';

/**
 * Integration tests talk HTTP to a real emulator: the one in AWS_ENDPOINT_URL (LocalStack, say)
 * or a moto server started here on a free loopback port. Workers inherit these variables.
 */
export default async function globalSetup(): Promise<void> {
  process.env['AWS_REGION'] ??= 'us-east-1';
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  if (process.env['AWS_ENDPOINT_URL']) return;
  const emulator = await startMotoServer();
  process.env['AWS_ENDPOINT_URL'] = emulator.endpoint;
  (globalThis as { riskstreamEmulator?: typeof emulator }).riskstreamEmulator = emulator;
}
