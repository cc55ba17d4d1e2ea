/** REST paths a browser client needs before it has any data (dependency-free for the web app). */
export const ApiPaths = {
  /** GET: the client's gateway URL and demo-account hint (no session needed). */
  clientConfig: '/api/config',
} as const;

/** Files of the web client's static root that deployments may provide. */
export const WebPaths = {
  /** `{gatewayUrl?, demoUsers?, demoPassword?}` beside index.html, relative to the page. */
  deployConfig: 'config.json',
} as const;
