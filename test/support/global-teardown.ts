import type { RunningEmulator } from '../../local/moto-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { riskstreamEmulator?: RunningEmulator }).riskstreamEmulator?.stop();
}
