'use strict';
const { buildIfNeeded } = require('../../scripts/lib/build');
const globalSetup = require('../setup/global-setup');

// The e2e global setup (private redis-server), after building whatever is stale: the gateways run
// from dist/ and the API serves the built client from apps/web/dist.
module.exports = async function browserGlobalSetup(globalConfig, projectConfig) {
  buildIfNeeded();
  return globalSetup(globalConfig, projectConfig);
};
