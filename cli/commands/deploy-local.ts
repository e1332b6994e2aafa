import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { deployLocal } from '../../local/deploy';
import type { CommandIO } from '../io';
import { write } from '../io';

const USAGE = `usage: riskstream deploy-local [--stack Riskstream] [--config riskstream.json]

Deploys the CDK stack with \`cdk deploy\` into the AWS emulator at AWS_ENDPOINT_URL (default
http://localhost:4566, LocalStack's port) and prints the stack outputs as JSON. On moto server the
deploy leaves the event source mappings out and then applies what moto's CloudFormation skips.`;

export async function deployLocalCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { stack?: string; 'stack-name'?: string; config?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        stack: { type: 'string' },
        'stack-name': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    await write(io.stderr, `riskstream deploy-local: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
  const endpoint = process.env['AWS_ENDPOINT_URL'] ?? 'http://localhost:4566';
  try {
    await fetch(endpoint.replace('//localhost', '//127.0.0.1'));
  } catch {
    await write(
      io.stderr,
      `riskstream deploy-local: no AWS emulator answers at ${endpoint}: start LocalStack (docker compose up -d) or moto server (moto_server -p 4566), or set AWS_ENDPOINT_URL.\n`,
    );
    return 1;
  }
  const config = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>) : undefined;
  const result = await deployLocal({
    endpoint,
    ...((values.stack ?? values['stack-name']) ? { stackName: values.stack ?? values['stack-name'] } : {}), // --stack, as elsewhere; --stack-name still works
    ...(config ? { config } : {}),
    log: (line) => io.stderr.write(`${line}\n`),
  });
  await write(io.stderr, `deployed ${result.stackName}: ${result.resourceCount} resources in ${result.seconds.toFixed(1)} s\n`);
  await write(io.stdout, `${JSON.stringify(result.outputs, null, 2)}\n`);
  return 0;
}
