// ESLint 9 (flat config) for the web console (web/, browser ES modules) and
// its tests (tests/web/, node). scripts/lint runs it from the top of the
// tree: `tests/web/node_modules/.bin/eslint -c tests/web/eslint.config.mjs
// web tests/web`, so the file patterns below are relative to the top.
// ESLint 9, not 10: it runs on Debian 12's nodejs (18) as well.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['tests/web/node_modules/**'] },
  // Mistakes: undefined or unused names, unreachable code, bad regexps...
  js.configs.recommended,
  {
    // A few more, each a bug more than a taste: == coercions, a name that
    // hides another, a variable used before its declaration, a function
    // that returns a value on some paths only, a callback of map/filter
    // that forgets to return, throwing something that is not an Error.
    rules: {
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-shadow': 'error',
      'no-use-before-define': ['error', { functions: false, classes: true, variables: true }],
      'consistent-return': 'error',
      'array-callback-return': 'error',
      'no-throw-literal': 'error',
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
  },
  {
    // Node; the functions given to page.waitForFunction run in the browser.
    files: ['tests/web/**/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
];
