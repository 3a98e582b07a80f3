// @ts-check
// As the Nest CLI starter sets it up: typescript-eslint's recommended type-checked rules,
// with Prettier as a rule. Each rule turned off or eased below says why.
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'docs/**', 'coverage/**', 'node_modules/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintPluginPrettierRecommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Stores implement one Promise-returning interface; a store that answers from memory
      // does so with an async method that has nothing to await.
      '@typescript-eslint/require-await': 'off',
      // Error messages describe whatever value a user passed, of any type: String() of an
      // object reads "[object Object]" there, which is the intended text.
      '@typescript-eslint/no-base-to-string': 'off',
      // A `let` declared before the callbacks that read it, and assigned once what they
      // reach is built, cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Rejections pass on whatever the backend or a user's factory threw, unchanged.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // A leading underscore marks a parameter an interface requires but this code ignores;
      // rest siblings drop fields from a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Tests and benchmarks read untyped JSON: HTTP bodies, worker-process messages,
      // Prometheus scrapes. Asserting on them is the point, so `any` flows there by design.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Jest's expect(obj.method).toHaveBeenCalled() style references methods unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
