/** REST paths a browser client needs before it has any data (dependency-free for the web app). */
export const ApiPaths = {
  /** GET: the client's gateway URL and demo-account hint (no session needed). */
  clientConfig: '/api/config',
} as const;
