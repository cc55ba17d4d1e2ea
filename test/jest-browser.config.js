// `npm run test:browser`: the web client in headless Chromium (playwright-core driving Debian's
// /usr/bin/chromium) against a real stack. Same transform and Redis setup as the e2e suites; the
// setup also (re)builds the apps and the web client when they are stale.
const { moduleNameMapper, transform, transformIgnorePatterns } = require('./jest-common');

module.exports = {
  rootDir: '..',
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/browser/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
};
