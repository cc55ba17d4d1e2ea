import { validate, compileErrors } from '@readme/openapi-parser';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import request from 'supertest';
import { startApi, TestApi } from './support/api';

const ROOT = resolve(__dirname, '..');

/**
 * Keeps the published documentation honest: the OpenAPI document the API serves is valid and
 * says how to authenticate and what errors look like; the Markdown docs link only to files that
 * exist inside the repository; nothing cites the internal contract page.
 */
describe('OpenAPI document at /api/docs-json', () => {
  let api: TestApi;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    api = await startApi({}, { db: 14 });
    const res = await request(api.url).get('/api/docs-json').expect(200);
    doc = res.body as OpenApiDoc;
  });
  afterAll(() => api.close());

  /** Routes anyone may call: signing up and in, health checks, the browser client's config. */
  const PUBLIC = [/^\/api\/auth\/(register|login)$/, /^\/api\/health\//, /^\/api\/config$/];

  function operations(): Array<{ name: string; path: string; op: OpenApiOperation }> {
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, op]) => ({
          name: `${method.toUpperCase()} ${path}`,
          path,
          op: op as OpenApiOperation,
        })),
    );
  }

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place: give it a copy.
    const result = await validate(structuredClone(doc) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  it('documents the REST routes', () => {
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/api/auth/register',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/me',
      '/api/users',
      '/api/rooms',
      '/api/rooms/dm',
      '/api/rooms/{id}/messages',
      '/api/health/ready',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it.each([
    ['post', '/api/rooms'],
    ['get', '/api/rooms/directory'],
    ['get', '/api/rooms/{id}'],
    ['patch', '/api/rooms/{id}'],
    ['post', '/api/rooms/{id}/join'],
    ['post', '/api/rooms/{id}/leave'],
    ['get', '/api/rooms/{id}/members'],
    ['post', '/api/rooms/{id}/members'],
    ['delete', '/api/rooms/{id}/members/{userId}'],
    ['put', '/api/rooms/{id}/members/{userId}'],
    ['get', '/api/users/search'],
  ])('documents %s %s with a summary and its 4xx answers', (method, path) => {
    const op = (doc.paths[path] as Record<string, OpenApiOperation> | undefined)?.[method];
    expect(op).toBeDefined();
    expect(op?.summary).toEqual(expect.any(String));
    const codes = Object.keys(op?.responses ?? {});
    expect(codes.some((c) => c.startsWith('2'))).toBe(true);
    expect(codes).toEqual(expect.arrayContaining(['400', '401']));
  });

  it('lists both the session cookie and the bearer token on every non-public operation', () => {
    const wrong = operations()
      .filter(({ path }) => !PUBLIC.some((p) => p.test(path)))
      .filter(({ op }) => {
        const schemes = (op.security ?? doc.security ?? []).flatMap((req) => Object.keys(req));
        return !(schemes.includes('cookie') && schemes.includes('bearer'));
      })
      .map(({ name }) => name);
    expect(wrong).toEqual([]);
    // Each requirement alone suffices (OR), rather than both at once (AND).
    for (const { path, op } of operations()) {
      if (PUBLIC.some((p) => p.test(path))) continue;
      for (const req of op.security ?? doc.security ?? []) {
        expect(Object.keys(req)).toHaveLength(1);
      }
    }
  });

  it('asks for no credentials on the public operations', () => {
    const publicOps = operations().filter(({ path }) => PUBLIC.some((p) => p.test(path)));
    expect(publicOps.length).toBeGreaterThanOrEqual(4);
    const asking = publicOps.filter(({ op }) => op.security?.length !== 0).map((o) => o.name);
    expect(asking).toEqual([]);
  });

  it('describes the cookie and the bearer scheme, the bearer token as opaque (not a JWT)', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.cookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'parley.sid' });
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.bearer.bearerFormat ?? '').not.toMatch(/jwt/i);
    expect(schemes.bearer.description ?? '').not.toMatch(/jwt|json web token/i);
    expect(schemes.bearer.description ?? '').toMatch(/opaque/i);
  });

  it('has an error schema {statusCode, error, message} used by every 4xx response', () => {
    const error = doc.components.schemas.ErrorResponse;
    expect(error).toBeDefined();
    expect(error.required).toEqual(expect.arrayContaining(['statusCode', 'error', 'message']));
    const without: string[] = [];
    let count = 0;
    for (const { name, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!/^4\d\d$/.test(status)) continue;
        count += 1;
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (ref !== '#/components/schemas/ErrorResponse') without.push(`${name} ${status}`);
      }
    }
    expect(without).toEqual([]);
    expect(count).toBeGreaterThan(10);
  });

  it('says when to retry on 429', () => {
    const tooMany = operations().flatMap(({ op }) =>
      Object.entries(op.responses ?? {}).filter(([status]) => status === '429'),
    );
    expect(tooMany.length).toBeGreaterThan(0);
    for (const [, response] of tooMany) expect(response.headers?.['Retry-After']).toBeDefined();
  });

  it('matches what the API really answers: a 401 in the documented error shape', async () => {
    const res = await request(api.url).get('/api/me').expect(401);
    expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  });
});

describe('Markdown links', () => {
  /** README.md, docs/**.md and the web client's README: every page a reader browses. */
  const pages = [
    'README.md',
    'apps/web/README.md',
    ...walk(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => relative(ROOT, f)),
  ].filter((p) => existsSync(join(ROOT, p)));

  it('finds the pages', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/protocol.md']));
  });

  it.each(pages)('%s links only to files inside the repository that exist', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8');
    const problems: string[] = [];
    for (const target of linkTargets(text)) {
      const problem = checkLink(page, target);
      if (problem) problems.push(`${target}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the internal contract page', () => {
  it('is cited nowhere in the repository (docs/ is the reference)', () => {
    const name = ['CONTRACT', 'md'].join('.');
    const self = relative(ROOT, __filename);
    const files = [
      'README.md',
      ...['apps', 'libs', 'test', 'scripts', 'bench', 'chaos', 'docs'].flatMap((dir) =>
        walk(join(ROOT, dir)).map((f) => relative(ROOT, f)),
      ),
    ].filter((f) => f !== self && /\.(ts|tsx|js|mjs|cjs|mts|md|ya?ml|json|html)$/.test(f));
    const citing = files.filter((f) => readFileSync(join(ROOT, f), 'utf8').includes(name));
    expect(citing).toEqual([]);
  });
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
  headers?: Record<string, unknown>;
}
interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, OpenApiResponse>;
}
interface SecurityScheme {
  type?: string;
  in?: string;
  name?: string;
  scheme?: string;
  bearerFormat?: string;
  description?: string;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  security?: Array<Record<string, string[]>>;
  components: {
    securitySchemes: Record<string, SecurityScheme>;
    schemas: Record<string, { required?: string[] }>;
  };
}

/** Files under `dir`, without build output and dependencies. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) return [];
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Inline links and images `[x](target)`, and reference definitions `[x]: target`, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    targets.push(m[1]);
  }
  for (const m of prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)) {
    targets.push(m[1]);
  }
  return targets;
}

/** Null when the link is fine, else what is wrong with it. */
function checkLink(page: string, target: string): string | null {
  if (/contract\.md/i.test(target)) return 'cites the internal contract page; link docs/ instead';
  if (/^https?:\/\//i.test(target) || /^mailto:/i.test(target)) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return 'not a web link nor a repository path';
  // A page may be read on its own (a package's README, a folder of docs): nothing climbs out.
  if (target.startsWith('../')) return 'climbs out of its folder; name the file in words instead';
  const [pathPart, anchor] = target.split('#', 2);
  const file = pathPart === '' ? join(ROOT, page) : resolveInRepo(page, decodeURI(pathPart));
  if (!file) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file in the repository';
  if (anchor && file.endsWith('.md') && !headingSlugs(readFileSync(file, 'utf8')).has(anchor)) {
    return `no heading #${anchor} in ${relative(ROOT, file)}`;
  }
  return null;
}

/** `/x` is the repository root (as on a forge); anything resolving outside ROOT is refused. */
function resolveInRepo(page: string, path: string): string | null {
  const file = isAbsolute(path) ? join(ROOT, path) : resolve(ROOT, dirname(page), path);
  const rel = relative(ROOT, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return file;
}

/** Anchors of a Markdown page's headings, as GitHub makes them (lower case, dashes, -1 for repeats). */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let slug = base;
    for (let n = 1; slugs.has(slug); n += 1) slug = `${base}-${n}`;
    slugs.add(slug);
  }
  return slugs;
}
