import { parseArgs } from 'node:util';
import { deployLocal } from '../../local/deploy';
import { ensureEmulator, stopEmulator } from '../../local/emulator';
import type { CommandIO } from '../io';
import { write } from '../io';

const UP_USAGE = `usage: riskstream up [--stack Riskstream]

Starts (or reuses) the local AWS emulator — the endpoint in AWS_ENDPOINT_URL if set, otherwise moto
server on a free loopback port — deploys the stack into it with \`cdk deploy\`, and prints the stack
outputs. \`riskstream down\` stops what \`up\` started.`;

export async function upCommand(argv: string[], io: CommandIO): Promise<number> {
  let stackName: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { stack: { type: 'string' }, 'stack-name': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) return (await write(io.stdout, `${UP_USAGE}\n`), 0);
    stackName = values.stack ?? values['stack-name']; // --stack, as every other command says it; --stack-name still works
  } catch (error) {
    await write(io.stderr, `riskstream up: ${(error as Error).message}\n${UP_USAGE}\n`);
    return 2;
  }
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const emulator = await ensureEmulator(log);
    const result = await deployLocal({ endpoint: emulator.endpoint, ...(stackName ? { stackName } : {}), log });
    log(
      `${result.stackName}: ${result.resourceCount} resources ready in ${result.seconds.toFixed(1)} s; AWS_ENDPOINT_URL=${emulator.endpoint}`,
    );
    await write(io.stdout, `${JSON.stringify(result.outputs, null, 2)}\n`);
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream up: ${(error as Error).message}\n`);
    return 1;
  }
}

export async function downCommand(argv: string[], io: CommandIO): Promise<number> {
  if (argv.length > 0 && !['-h', '--help'].includes(argv[0] ?? '')) {
    await write(io.stderr, `riskstream down: takes no arguments\n`);
    return 2;
  }
  if (argv.length > 0) return (await write(io.stdout, 'usage: riskstream down\n\nStops the emulator that `riskstream up` started.\n'), 0);
  stopEmulator((line) => io.stderr.write(`${line}\n`));
  return 0;
}
