/**
 * `npm run test:faults`: the long fault suite (test/faults/), against the emulator that
 * test/support/global-setup.ts starts (moto server) unless AWS_ENDPOINT_URL points at one.
 * It writes RELIABILITY.md. `npm test` runs a short version (test/integration/faults.test.ts).
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
};
