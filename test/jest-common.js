const path = require('node:path');

const root = path.resolve(__dirname, '..');
const libs = ['redis', 'contracts', 'chat', 'config', 'client'];

module.exports = {
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { swcrc: true, cwd: root }] },
  moduleNameMapper: Object.fromEntries(
    libs.map((lib) => [`^@app/${lib}(|/.*)$`, `${root}/libs/${lib}/src$1`]),
  ),
};
