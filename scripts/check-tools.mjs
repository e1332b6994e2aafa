// Runs before `npm test`: the tests need three tools from outside npm. If one is missing, say so in
// one sentence and stop, instead of failing deep inside a test.
import { spawnSync } from 'node:child_process';

const missing = [];
if (!process.env.AWS_ENDPOINT_URL && spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) {
  missing.push(
    'moto_server (the AWS emulator the integration tests start: pip install "moto[server]", or set AWS_ENDPOINT_URL to a running emulator such as LocalStack)',
  );
}
if (spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).error) {
  missing.push('cfn-lint (lints the synthesized CloudFormation template: pip install cfn-lint)');
}
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (spawnSync(chromium, ['--version'], { stdio: 'ignore' }).error) {
  missing.push(`Chromium at ${chromium} (the browser the live page test drives: apt-get install -y chromium, or set CHROMIUM_PATH)`);
}
if (missing.length > 0) {
  console.error(`npm test needs ${missing.join(' and ')}.`);
  process.exit(1);
}
