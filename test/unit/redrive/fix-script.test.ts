import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFix, FixScriptError, loadFixScript } from '../../../local/redrive/fix-script';

const where = {
  reason: 'invalid event',
  partitionKey: 'user-1',
  streamArn: 'arn:aws:kinesis:us-east-1:1:stream/s',
  shardId: 'shardId-000000000000',
  sequenceNumber: '7',
};
const data = (text: string) => Buffer.from(text, 'utf8');

describe('applyFix', () => {
  it('gives the fix the parsed JSON, and writes an object it returns as JSON', async () => {
    const fixed = await applyFix((input) => ({ ...(input as object), amount: 12.5 }), data('{"amount":"12.50"}'), where);
    expect(fixed.kind === 'replay' && fixed.data.toString()).toBe('{"amount":12.5}');
  });

  it('gives the fix the text when the data is not JSON, with what else is known', async () => {
    const fix = jest.fn((input: unknown) => `${String(input)}}`);
    const fixed = await applyFix(fix, data('{"a":1'), where);
    expect(fix).toHaveBeenCalledWith('{"a":1', { ...where, text: '{"a":1' });
    expect(fixed.kind === 'replay' && fixed.data.toString()).toBe('{"a":1}');
  });

  it('replays the record unchanged on undefined, drops it on null, awaits a promise', async () => {
    expect(await applyFix(() => undefined, data('x'), where)).toEqual({ kind: 'replay', data: data('x') });
    expect(await applyFix(() => null, data('x'), where)).toEqual({ kind: 'drop' });
    expect(await applyFix(async () => Buffer.from('y'), data('x'), where)).toEqual({ kind: 'replay', data: data('y') });
  });

  it('turns a throw or a value that is no data into a FixScriptError', async () => {
    await expect(
      applyFix(
        () => {
          throw new Error('boom');
        },
        data('x'),
        where,
      ),
    ).rejects.toThrow(new FixScriptError('the fix threw: boom'));
    await expect(applyFix(() => () => 1, data('x'), where)).rejects.toThrow(/not data/);
  });
});

describe('loadFixScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-fix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads module.exports = fn and export default fn', async () => {
    expect(await (await loadFixScript(script('cjs.js', 'module.exports = (x) => x + 1;')))(1, { ...where, text: '' })).toBe(2);
    expect(await (await loadFixScript(script('esm.ts', 'export default (x: number) => x * 2;')))(2, { ...where, text: '' })).toBe(4);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.js'), /no such file/],
    ['a module without a function', () => script('obj.js', 'module.exports = { fix: 1 };'), /exports no function/],
    ['a module that does not load', () => script('bad.js', 'module.exports = ('), /does not load/],
  ])('refuses %s in one sentence', async (_what, path, message) => {
    await expect(loadFixScript(path())).rejects.toThrow(message);
  });
});
