import { main } from '../../../cli/main';
import { runCommand } from '../../support/command-io';

describe('riskstream', () => {
  it('lists its commands, and each one loads when asked for its help', async () => {
    // Arrange
    const usage = await runCommand(main, ['--help'], []);
    const names = [...usage.stdout.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1] as string);

    // Act
    const helps = await Promise.all(names.map(async (name) => ({ name, ...(await runCommand(main, [name, '--help'], [])) })));

    // Assert
    expect(names).toEqual(expect.arrayContaining(['score', 'demo', 'rules', 'produce']));
    for (const help of helps)
      expect({ name: help.name, code: help.code, usage: help.stdout }).toEqual({
        name: help.name,
        code: 0,
        usage: expect.stringContaining(`riskstream ${help.name}`),
      });
  });

  it('refuses an unknown command with its usage', async () => {
    const result = await runCommand(main, ['scroe'], []);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "scroe"[\s\S]*usage: riskstream <command>/);
  });
});
