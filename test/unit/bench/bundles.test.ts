import { packageOf } from '../../../bench/bundles';

describe('packageOf', () => {
  it('names the package a bundled file comes from, scoped or not, innermost first', () => {
    expect(packageOf('node_modules/zod/v4/classic/schemas.cjs')).toBe('zod');
    expect(packageOf('node_modules/@aws-lambda-powertools/logger/lib/cjs/Logger.js')).toBe('@aws-lambda-powertools/logger');
    expect(packageOf('node_modules/@aws-lambda-powertools/batch/node_modules/@aws-lambda-powertools/commons/lib/index.js')).toBe(
      '@aws-lambda-powertools/commons',
    );
  });

  it('calls our own sources riskstream', () => {
    expect(packageOf('shared/domain/events.ts')).toBe('riskstream');
  });
});
