const { moduleNameMapper, transform, transformIgnorePatterns } = require('./jest-common');

module.exports = {
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  testTimeout: 30000,
  // Suites run gateways, Redis and chaos processes; if one fails half-way its children may still
  // hold handles, and CI must end rather than wait for them.
  forceExit: true,
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
};
