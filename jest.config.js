/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // Each spec file that needs Redis starts its own server; two cores run two files at a time.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/helpers/plain-summary-reporter.js'],
};
