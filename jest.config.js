/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/workflows', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // These dependencies ship only ES modules; jest runs CommonJS, so swc converts them too.
  transformIgnorePatterns: ['/node_modules/(?!(temporal-polyfill|temporal-utils|temporal-spec)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Every answer of the API in every test is checked against its OpenAPI document (docs/openapi.md).
  setupFilesAfterEnv: ['<rootDir>/test/support/openapi-contract.ts'],
  testTimeout: 120_000,
  slowTestThreshold: 30,
};
