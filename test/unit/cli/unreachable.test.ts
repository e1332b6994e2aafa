import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { produceCommand } from '../../../cli/commands/produce';
import { runPipelineCommand } from '../../../cli/commands/run';
import { upCommand } from '../../../cli/commands/up-down';
import type { DeployRecord } from '../../../local/deploy';
import { recordPath } from '../../../local/deploy';
import { runCommand } from '../../support/command-io';

/**
 * Bad surroundings at the CLI: an emulator that does not answer (a real closed loopback port) and a
 * stack that was never deployed. Each gives one sentence on stderr and a non-zero exit, no stack trace.
 */
const STACK = 'RiskstreamCliUnreachable';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function oneSentence(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('the CLI when the emulator does not answer', () => {
  let endpoint: string;

  beforeAll(async () => {
    endpoint = `http://localhost:${await closedPort()}`;
    const record: DeployRecord = { endpoint, templateHash: 'test', outputs: { TransactionsStreamName: 't', ReadingsStreamName: 'r' } };
    mkdirSync(dirname(recordPath(STACK)), { recursive: true });
    writeFileSync(recordPath(STACK), JSON.stringify(record));
  });

  afterAll(() => rmSync(recordPath(STACK), { force: true }));

  it('up names the endpoint in AWS_ENDPOINT_URL that does not answer', async () => {
    const before = process.env['AWS_ENDPOINT_URL'];
    process.env['AWS_ENDPOINT_URL'] = endpoint;
    try {
      const result = await runCommand(upCommand, ['--stack', STACK], []);

      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `riskstream up: no AWS emulator answers at AWS_ENDPOINT_URL=${endpoint}: start it, or unset AWS_ENDPOINT_URL to let riskstream start moto server.\n`,
      );
    } finally {
      if (before === undefined) delete process.env['AWS_ENDPOINT_URL'];
      else process.env['AWS_ENDPOINT_URL'] = before;
    }
  });

  it('run says the emulator the stack was deployed to does not answer', async () => {
    const result = await runCommand(runPipelineCommand, ['--stack', STACK, '--idle-exit', '1'], []);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `riskstream run: the emulator ${STACK} was deployed to (${endpoint}) does not answer: run \`riskstream up\` again.\n`,
    );
  });

  it('produce says it cannot put records there', async () => {
    const result = await runCommand(produceCommand, ['--generate', '5', '--stack', STACK], []);

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      new RegExp(`^riskstream produce: cannot put records at ${endpoint} \\(is the emulator running\\? \`riskstream up\`\\): `),
    );
    oneSentence(result.stderr);
  });
});

describe('the CLI when the stack was never deployed', () => {
  it('run says so and names the command that deploys it', async () => {
    const result = await runCommand(runPipelineCommand, ['--stack', 'NeverDeployedHere', '--idle-exit', '1'], []);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('riskstream run: the stack NeverDeployedHere is not deployed from here: run `riskstream up` first.\n');
  });
});
