// Flat config. typescript-eslint comes from the tools/lint workspace package, which pins the
// TypeScript 5 JS API its parser needs (TypeScript 7, the project's compiler, ships none).
// (package.json overrides keep ts-api-utils, which imports typescript too, nested beside it.)
// Rules are not type-aware: that would need a TypeScript 5 program of the whole tree.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { tseslint } from './tools/lint/index.js';

export default defineConfig(
  {
    ignores: [
      'dist/',
      'dist-bin/',
      'coverage/',
      'man/',
      '.tools/',
      'bench/results/',
      'test/reference/',
      '**/fixtures/',
      'oclif.manifest.json',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // Stripping terminal escapes and control characters from untrusted text is deliberate here.
      'no-control-regex': 'off',
      // `_`-prefixed names are kept on purpose (positional parameters, destructured-away fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests build partial objects and poke at internals on purpose.
    files: ['test/**/*.ts', 'test/**/*.tsx', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
