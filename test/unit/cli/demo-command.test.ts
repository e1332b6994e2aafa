import { demoCommand } from '../../../cli/commands/demo';
import { runCommand } from '../../support/command-io';

describe('riskstream demo: arguments', () => {
  it.each([
    [['--events', 'ten'], '--events must be a positive integer, got "ten"'],
    [['--events', '0'], '--events must be a positive integer, got "0"'],
    [['--seed=-1'], '--seed must be a positive integer, got "-1"'],
    [['--port', '70000'], '--port must be a port number (0–65535), got "70000"'],
    [['--rate', 'fast'], '--rate must be a number of events per second between 0 and 2000, got "fast"'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('%j is refused in one sentence, before anything starts', async (argv, sentence) => {
    const result = await runCommand(demoCommand, argv, []);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toContain(sentence);
    expect(result.stdout).toBe('');
  });

  it('explains both ways of running in its help', async () => {
    const result = await runCommand(demoCommand, ['--help'], []);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('riskstream demo --events N');
    expect(result.stdout).toContain('Ctrl-C');
  });
});
