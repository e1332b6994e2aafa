import { localDeployConfig } from '../../../local/deploy';
import { loadDeployConfig } from '../../../infra/config';

describe('local deploy config', () => {
  it('names the resources of a stack not called Riskstream after it, so two stacks share one emulator', () => {
    expect(localDeployConfig('Riskstream')).toEqual({});
    expect(localDeployConfig('RiskstreamLive_mx1')).toEqual({ name: 'riskstreamlive-mx1' });
    expect(localDeployConfig('Other', { name: 'mine', commitMode: 'single-writer' })).toEqual({
      name: 'mine',
      commitMode: 'single-writer',
    });
    // What it derives is a name the deploy config accepts, even from a long stack name.
    const derived = localDeployConfig(`Riskstream${'X'.repeat(60)}`);
    expect(() => loadDeployConfig({ riskstream: derived })).not.toThrow();
  });
});
