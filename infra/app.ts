import { App } from 'aws-cdk-lib';
import { RiskstreamStack } from './stack';

const app = new App();
new RiskstreamStack(app, 'Riskstream', {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] ?? 'us-east-1' },
});
