import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The deployment files, read statically (CI has no Docker engine; `docker-compose config` there
 * checks the compose files' syntax): what the runtime image installs and how nginx finds replicas.
 */
const root = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Bare package names imported by the TypeScript files under `dir`. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'node_modules' && name !== 'dist') walk(full);
      } else if (/\.tsx?$/.test(name) && !/\.spec\.tsx?$/.test(name)) {
        for (const [, spec] of read(full.slice(root.length + 1)).matchAll(
          /from '((?:@[^/']+\/)?[^./'][^/']*)[^']*'/g,
        ))
          found.add(spec);
      }
    }
  };
  walk(join(root, dir));
  return found;
}

describe('deployment files', () => {
  it('the runtime image gets no package that only the web client (or the SDK) imports', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const server = new Set(
      [
        'apps/api',
        'apps/gateway',
        'apps/door',
        'libs/chat',
        'libs/redis',
        'libs/config',
        'libs/contracts',
      ]
        .filter((dir) => {
          try {
            return statSync(join(root, dir)).isDirectory();
          } catch {
            return false;
          }
        })
        .flatMap((dir) => [...importedPackages(dir)]),
    );
    const clientOnly = [
      ...importedPackages('apps/web/src'),
      ...importedPackages('libs/client'),
    ].filter((name) => !server.has(name));
    expect(clientOnly.length).toBeGreaterThan(0);
    expect(clientOnly.filter((name) => name in pkg.dependencies)).toEqual([]);
    // The image keeps production dependencies only.
    expect(read('Dockerfile')).toMatch(/npm prune --omit=dev/);
  });

  it('nginx looks the services up again while running, keeping ip_hash for the gateways', () => {
    const conf = read('deploy/nginx.conf').replace(/#.*$/gm, '');
    expect(conf).toMatch(/^\s*resolver 127\.0\.0\.11 valid=\d+s/m);
    const upstreams = [...conf.matchAll(/upstream (\S+) \{([^}]*)\}/g)];
    expect(upstreams.map(([, name]) => name).sort()).toEqual(['parley_api', 'parley_gateways']);
    for (const [, name, body] of upstreams) {
      expect(body).toContain(`zone ${name} `);
      const servers = [...body.matchAll(/^\s*server (\S+)([^;]*);/gm)];
      expect(servers.length).toBeGreaterThan(0);
      for (const [, , options] of servers) expect(options).toMatch(/\bresolve\b/);
    }
    expect(upstreams.find(([, name]) => name === 'parley_gateways')?.[2]).toMatch(/ip_hash;/);
    // `resolve` in an upstream needs nginx 1.27.3 or later.
    for (const file of ['docker-compose.yml', 'docker-compose.cluster.yml']) {
      const [, major, minor] = /image: nginx:(\d+)\.(\d+)/.exec(read(file)) ?? [];
      expect(Number(major) * 100 + Number(minor)).toBeGreaterThanOrEqual(128);
    }
  });
});
