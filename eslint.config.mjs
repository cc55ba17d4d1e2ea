// @ts-check
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const THROUGH_CHAT = 'Apps use Redis data through libs/chat (@app/chat): add or use a service there.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'apps/web/dist/**', '.data/**', 'eslint.config.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintPluginPrettierRecommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: { projectService: { allowDefaultProject: ['scripts/*.js', 'scripts/lib/*.js', '*.js', 'test/*.js', 'test/setup/*.js', 'test/browser/*.js', 'bench/*.js', 'bench/lib/*.js', 'chaos/*.js', 'chaos/lib/*.js'], maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 40 }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Apps reach Redis data only through libs/chat's services: no repository, key name or raw
    // connection. Wiring the connection (RedisModule), its health check, the Socket.IO adapter's
    // connection and telling Redis errors apart are infrastructure and stay in @app/redis.
    files: ['apps/**/*.{ts,tsx,mts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@app/redis'],
              importNamePattern: '(Repository|^RedisKeys|^REDIS_CLIENT|^createRedisClient)$',
              message: THROUGH_CHAT,
            },
            {
              regex: '^@app/redis/|(^|/)libs/redis(/|$)',
              message: THROUGH_CHAT,
            },
          ],
        },
      ],
    },
  },
  {
    // The web client runs in browsers: DOM globals, ES modules, its own tsconfig (nearest to it).
    files: ['apps/web/**/*.{ts,tsx,mts}'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
  {
    files: ['apps/web/vite.config.mts'],
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: false, project: './apps/web/tsconfig.node.json' } },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/no-unsafe-call': 'off', '@typescript-eslint/no-unsafe-argument': 'off', '@typescript-eslint/no-unsafe-return': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/no-unsafe-argument': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
