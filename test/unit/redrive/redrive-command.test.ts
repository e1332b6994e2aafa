import { redriveCommand } from '../../../cli/commands/redrive';
import { runCommand } from '../../support/command-io';

const STACK = 'RiskstreamNeverDeployedHere';

describe('riskstream redrive: arguments', () => {
  it('prints its usage on --help', async () => {
    const result = await runCommand(redriveCommand, ['--help'], []);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: riskstream redrive dlq/);
    expect(result.stdout).toMatch(/--fix script/);
  });

  it.each([
    [[], 'say what to redrive: dlq or quarantine'],
    [['dlqs'], 'cannot redrive "dlqs": dlq or quarantine'],
    [['dlq', 'extra'], 'unexpected argument "extra"'],
    [['dlq', '--fix', 'fix.js'], '--fix is for `redrive quarantine`: a DLQ message holds no record data to fix'],
    [['quarantine', '--fix', ''], '--fix needs a script path'],
  ])('refuses %j in one sentence, with the usage, and exit status 2', async (argv, sentence) => {
    const result = await runCommand(redriveCommand, [...argv], []);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`riskstream redrive: ${sentence}`);
    expect(result.stderr).toMatch(/usage: riskstream redrive/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown option', async () => {
    const result = await runCommand(redriveCommand, ['quarantine', '--fixx', 'a.js'], []);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^riskstream redrive: Unknown option '--fixx'/);
  });

  it('says in one sentence that a fix script is missing, before it looks for the stack', async () => {
    const result = await runCommand(redriveCommand, ['quarantine', '--fix', 'no-such-fix.js', '--stack', STACK], []);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('riskstream redrive: --fix no-such-fix.js: no such file\n');
  });

  it('says in one sentence that the stack is not deployed from here', async () => {
    const result = await runCommand(redriveCommand, ['dlq', '--stack', STACK], []);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`riskstream redrive: the stack ${STACK} is not deployed from here: run \`riskstream up\` first.\n`);
  });
});
