/**
 * Two projects: `unit` needs nothing but Node; `integration` talks HTTP to a real AWS emulator that
 * test/support/global-setup.ts starts (moto server) unless AWS_ENDPOINT_URL points at one.
 * @middy/core ships ES modules only, so it goes through the TypeScript transform like our code.
 */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};

module.exports = {
  // Integration tests make hundreds of emulator round trips; the per-test limit is a hang guard, not a speed target.
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Runs only when an integration test is selected: `npm run test:unit` starts no emulator.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
};
