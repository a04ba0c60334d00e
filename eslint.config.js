// ESLint: typescript-eslint's type-checked rules over src, test and bench. Formatting is
// Prettier's (npm run format), so no stylistic rule is on here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans read well in messages (`got ${count}`); objects and undefined do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify's handlers, hooks and plugins are async by contract (an async handler's return
      // value is the answer), and test callbacks are async for the runner: many await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringMatching, expect.objectContaining)
      // are typed any: every `toEqual({ id: expect.any(String) })` would need a cast.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['test/browser/**/*.ts'],
    rules: {
      // A browser, site or emulator is typed as set by beforeAll, but afterAll also runs when
      // beforeAll failed halfway: its optional chains close what was opened, and only that.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    files: ['eslint.config.js', 'bench/ceiling-server.js', 'scripts/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
