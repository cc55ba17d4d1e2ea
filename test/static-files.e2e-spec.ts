import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startApi, TestApi } from './support/api';

/** The web root the API serves beside its routes (WEB_ROOT): files, never secrets or routes. */
describe('static files (WEB_ROOT)', () => {
  let api: TestApi;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'parley-web-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>web</title>');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, '.env'), 'SESSION_SECRET=do-not-serve');
    api = await startApi({ WEB_ROOT: root }, { db: 13 });
  });
  afterAll(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the index at / and assets by path, with the security headers', async () => {
    const index = await request(api.url).get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.text).toContain('<title>web</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const asset = await request(api.url).get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('console.log(1)');
  });

  it('does not serve dotfiles', async () => {
    const res = await request(api.url).get('/.env');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('do-not-serve');
  });

  it('leaves routes to the API: an unknown path is a JSON 404, a route answers as a route', async () => {
    const missing = await request(api.url).get('/api/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const health = await request(api.url).get('/api/health/live');
    expect(health.status).toBe(200);
  });
});
