import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployConfig } from './config';
import { RiskstreamStack } from './stack';

/**
 * Context: `configFile` (or RISKSTREAM_CONFIG) names a JSON config, `riskstream` overrides parts of
 * it, `emulator=true` leaves the event source mappings out (moto). cdk-nag's AwsSolutions pack runs
 * on every synth.
 */
const app = new App();
const config = loadDeployConfig({
  file: app.node.tryGetContext('configFile') ?? process.env['RISKSTREAM_CONFIG'],
  riskstream: app.node.tryGetContext('riskstream'),
  emulator: app.node.tryGetContext('emulator'),
});
new RiskstreamStack(app, app.node.tryGetContext('stackName') ?? 'Riskstream', {
  config,
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] ?? 'us-east-1' },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
