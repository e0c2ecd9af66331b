// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One `no-restricted-imports` block: files under `files` may not import from the folders `above` (under src/). */
function layer(files, above) {
  const groups = above.flatMap((dir) => [`../${dir}/*`, `../../${dir}/*`, `../../../${dir}/*`, `**/src/${dir}/*`]);
  return [
    {
      files: [files],
      ignores: ['**/*.test.ts'],
      rules: {
        'no-restricted-imports': ['error', { patterns: [{ group: groups, message: 'imports go downward only: cli → api → memory → storage/models → core (DESIGN §1)' }] }],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'coverage/**', 'bench/.work/**', 'bench/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Layers (DESIGN §1): cli → api → memory → storage / models → core; nothing imports upward. A relative import is
  // matched by the folder it names, so an import inside the same layer (./x.ts) never matches.
  ...layer('src/core/**', ['storage', 'models', 'memory', 'api', 'cli']),
  ...layer('src/storage/**', ['memory', 'api', 'cli']),
  ...layer('src/models/**', ['memory', 'api', 'cli']),
  ...layer('src/memory/**', ['api', 'cli']),
  ...layer('src/api/**', ['cli']),
  // The MCP server is a transport beside the HTTP API (it uses the API's wire formats).
  ...layer('src/mcp/**', ['cli']),
  // The client SDK and its adapters run in the caller's process: they may use nothing of the service.
  ...layer('src/client/**', ['storage', 'models', 'memory', 'api', 'cli', 'adapters']),
  ...layer('src/adapters/**', ['storage', 'models', 'memory', 'api', 'cli']),
  {
    // The dashboard's page script runs in the browser.
    files: ['dashboard/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', window: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', performance: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Node: 'readonly', TextDecoderStream: 'readonly', AbortController: 'readonly', SVGElement: 'readonly' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
);
