import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier/flat';

export default defineConfig(
  { ignores: ['dist/**', '.build/**', 'coverage/**', 'docs/api/**', 'node_modules/**'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Kernel-style APIs keep the `__` prefix and camelCase identifiers.
      '@typescript-eslint/naming-convention': 'off',
      // Linux returns numbers in both branches; explicit comparisons read like the C source.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/prefer-for-of': 'off',
      // `x as T` after an explicit check reads better than `x!` in kernel-style code.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
    },
  },
  {
    // Core code must stay deterministic and browser-safe.
    files: ['lib/**/*.ts', 'arch/**/*.ts', 'drivers/**/*.ts'],
    ignores: ['lib/cli/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock.' },
        { object: 'Math', property: 'random', message: 'Use the injected Rng.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fs', 'node:*', 'path', 'process', 'worker_threads', 'os', 'child_process'],
              message: 'lib/, arch/ and drivers/ must stay browser-safe.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
