// Unit specs live beside the code; they may start the shared private redis-server when they
// test repository behaviour against real Redis.
const { moduleNameMapper, transform, transformIgnorePatterns } = require('./test/jest-common');

module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testRegex: '.*\\.spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
};
