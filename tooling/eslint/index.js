import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Type-aware rules matter here: a floating promise is exactly how a message gets lost silently,
 * and `no-misused-promises` catches async callbacks handed to APIs that ignore their result.
 * @param {string} tsconfigRootDir the package folder (pass import.meta.dirname)
 */
export function packageConfig(tsconfigRootDir) {
  return tseslint.config(
    { ignores: ['dist/**', 'coverage/**', '*.config.ts', '*.config.js'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-misused-promises': 'error',
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        '@typescript-eslint/only-throw-error': 'off',
        '@typescript-eslint/prefer-promise-reject-errors': 'off',
        'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only']", message: 'focused tests hide the rest of the suite' }],
      },
    },
    {
      files: ['**/*.test.ts', '**/*.test-d.ts', 'test/**/*.ts'],
      rules: {
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/no-unsafe-assignment': 'off',
        '@typescript-eslint/no-unsafe-member-access': 'off',
        '@typescript-eslint/no-unsafe-call': 'off',
        '@typescript-eslint/no-unsafe-argument': 'off',
        '@typescript-eslint/require-await': 'off',
        '@typescript-eslint/unbound-method': 'off',
      },
    },
  );
}
