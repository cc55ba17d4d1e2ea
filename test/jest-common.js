const path = require('node:path');

const root = path.resolve(__dirname, '..');
const libs = ['redis', 'contracts', 'chat', 'config', 'client'];

module.exports = {
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { swcrc: true, cwd: root }] },
  // ESM-only packages that Node 20 loads with require() but Jest's module loader cannot: compiled
  // to CommonJS like our own code (@fastify/static's content-disposition).
  transformIgnorePatterns: [
    '/node_modules/(?!(@fastify/static/node_modules/)?content-disposition/)',
  ],
  moduleNameMapper: Object.fromEntries(
    libs.map((lib) => [`^@app/${lib}(|/.*)$`, `${root}/libs/${lib}/src$1`]),
  ),
};
