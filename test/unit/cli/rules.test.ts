import { changesText, parseRulesArgs } from '../../../cli/commands/rules';

describe('riskstream rules, the command line', () => {
  it('reads each command with its arguments', () => {
    expect(parseRulesArgs(['show'])).toEqual({ command: 'show', json: false, stack: 'Riskstream' });
    expect(parseRulesArgs(['show', '--version', '3', '--json', '--stack', 'S'])).toEqual({
      command: 'show',
      version: 3,
      json: true,
      stack: 'S',
    });
    expect(parseRulesArgs(['diff', '1', '2'])).toEqual({ command: 'diff', a: 1, b: 2, stack: 'Riskstream' });
    expect(parseRulesArgs(['propose', 'f.json', '--note', ' why '])).toEqual({
      command: 'propose',
      file: 'f.json',
      note: 'why',
      stack: 'Riskstream',
    });
    expect(parseRulesArgs(['rollback', '1'])).toEqual({ command: 'rollback', version: 1, stack: 'Riskstream' });
    expect(parseRulesArgs(['promote'])).toEqual({ command: 'promote', stack: 'Riskstream' });
    expect(parseRulesArgs(['promote', '4'])).toEqual({ command: 'promote', version: 4, stack: 'Riskstream' });
  });

  it('says what is wrong with a command line', () => {
    expect(() => parseRulesArgs([])).toThrow(/say what to do/);
    expect(() => parseRulesArgs(['publish'])).toThrow(/unknown rules command "publish"/);
    expect(() => parseRulesArgs(['propose', 'f.json'])).toThrow(/needs --note/);
    expect(() => parseRulesArgs(['rollback', 'v1'])).toThrow(/N must be a version number/);
    expect(() => parseRulesArgs(['diff', '1'])).toThrow(/takes two version numbers/);
    expect(() => parseRulesArgs(['history', '--note', 'x'])).toThrow(/--note goes with `rules propose`/);
  });

  it('prints a change a line, old → new', () => {
    expect(changesText([{ path: 'transactions.largeAmount.amount', from: 1000, to: 500 }])).toBe(
      'transactions.largeAmount.amount: 1000 → 500\n',
    );
    expect(changesText([])).toBe('no difference\n');
  });
});
