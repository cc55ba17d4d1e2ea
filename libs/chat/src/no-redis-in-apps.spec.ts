import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

interface Case {
  filePath: string;
  code: string;
}

/**
 * The repository's own ESLint config (eslint.config.mjs) run on small sources as if they were
 * files at `filePath`: the no-restricted-imports messages of each. ESLint loads its config as an
 * ES module, so it runs in a child process rather than inside jest's module system.
 */
function restrictedImports(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const c of JSON.parse(process.argv[1])) {
        const [result] = await eslint.lintText(c.code, { filePath: c.filePath });
        out.push(result.messages.filter((m) => m.fatal || m.ruleId === 'no-restricted-imports')
          .map((m) => (m.fatal ? 'FATAL ' : '') + m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

// An existing file of each place: the typed lint rules need a file their TS project holds.
const API = 'apps/api/src/main.ts';
const GATEWAY = 'apps/gateway/src/main.ts';
const LIB = 'libs/chat/src/index.ts';

describe('lint: apps reach Redis data only through libs/chat', () => {
  it('refuses repositories, key names and the raw connection in apps, and allows wiring', () => {
    const refused = [
      { filePath: API, code: `import { UsersRepository } from '@app/redis';\n` },
      { filePath: GATEWAY, code: `import type { RoomsRepository } from '@app/redis';\n` },
      { filePath: API, code: `import { RedisModule, RedisKeys } from '@app/redis';\n` },
      { filePath: GATEWAY, code: `import { REDIS_CLIENT } from '@app/redis';\n` },
      { filePath: API, code: `import * as redis from '@app/redis';\n` },
      { filePath: API, code: `export { RateLimitRepository } from '@app/redis';\n` },
      { filePath: GATEWAY, code: `import { x } from '@app/redis/repositories/x';\n` },
      { filePath: API, code: `import { x } from '../../../libs/redis/src/x';\n` },
    ];
    const allowed = [
      {
        filePath: API,
        code: `import { RedisModule, RedisHealthIndicator, connectIoAdapter, isRedisUnavailable } from '@app/redis';\n`,
      },
      { filePath: API, code: `import { ReadRateLimiter, RoomsService } from '@app/chat';\n` },
      // libs/chat is where repositories are used.
      { filePath: LIB, code: `import { UsersRepository, RedisKeys } from '@app/redis';\n` },
    ];
    const results = restrictedImports([...refused, ...allowed]);
    results.slice(0, refused.length).forEach((messages, i) => {
      expect({ code: refused[i].code, messages }).toEqual({
        code: refused[i].code,
        messages: [expect.stringContaining('through libs/chat')],
      });
    });
    expect(results.slice(refused.length)).toEqual(allowed.map(() => []));
  }, 120_000);
});
