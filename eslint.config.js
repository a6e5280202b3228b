// ESLint: typescript-eslint's strict, type-aware rule sets over everything we write and run:
// src/, test/, bench/, scripts/ and the root config files. Types come from tsconfig.json through
// the project service, so a rule sees the same program the compiler checks.
// Every rule turned off below is listed, with its reason, in docs/architecture.md.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// restrict-template-expressions as strictTypeChecked sets it, except that numbers are allowed.
// Every option is named: naming one resets the unnamed ones to the rule's lax defaults.
const TEMPLATE_EXPRESSIONS = {
  allowAny: false,
  allowArray: false,
  allowBoolean: false,
  allowNever: false,
  allowNullish: false,
  allowNumber: true,
  allowRegExp: false,
};

export default defineConfig(
  { ignores: ['dist/', 'coverage/', '.tools/', '.build/', 'policies/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: {
          // Root config files sit outside tsconfig.json's include; they get the default program.
          // So do the scripts that ship a sibling .d.mts: TypeScript types their importers from
          // the .d.mts and leaves the .mjs itself out of the program.
          allowDefaultProject: [
            '*.js',
            '*.cjs',
            '*.ts',
            'scripts/vocabulary.mjs',
            'scripts/lib/*.mjs',
            // The runnable examples import the package by its name, as an embedding service does.
            'examples/*.mjs',
            // The explorer page's module, served to browsers as written (no build step).
            'ui/*.js',
          ],
          // The files above, a few more than the default cap of 8.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Off: it asks for `x!` where `x as T` only drops null/undefined, and strictTypeChecked's
      // no-non-null-assertion forbids `x!`; the two contradict (its autofix creates findings).
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // Off: a subclass constructor that only calls super() with NARROWER parameter types (an
      // error class that admits only some codes of the catalogue) is a compile-time check, not
      // dead code; the rule does not compare the types and calls it useless.
      '@typescript-eslint/no-useless-constructor': 'off',
      // Narrowed, not off: a number in a template literal prints as written.
      '@typescript-eslint/restrict-template-expressions': ['error', TEMPLATE_EXPRESSIONS],
      // `(x) => sink(x)` callbacks returning void are the house style; a void used as a value
      // anywhere else is still reported.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // A leading underscore marks a parameter or binding that is deliberately unused (an
      // interface's signature, a rest-sibling omit).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // The explorer page runs in a browser, not in Node.
    files: ['ui/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The decision path (every request and every batch item runs these). On V8 (Node 20) an object
    // literal with a property after a spread, `{ ...a, b }`, takes a slow path whose objects
    // outlive two young-generation collections: the parsed document's spread alone made each
    // decision promote about 120 bytes into the old generation and cost 1.2 µs more
    // (docs/benchmarks.md, round six). Build such objects field by field, or complete them in place.
    files: [
      'src/authz/**/*.ts',
      'src/authn/**/*.ts',
      'src/engine/**/*.ts',
      'src/http/inbound/authorize-body.ts',
      'src/http/inbound/plain-authorize-document.ts',
      'src/http/routes/authorize.ts',
      'src/http/decision-dispatcher.ts',
      'src/http/server.ts',
      'src/observability/decision-*.ts',
      'src/observability/recent-decisions.ts',
      'src/observability/metrics.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement ~ Property',
          message:
            'A property after a spread is slow on the decision path (on V8 such objects outlive young-generation collections): build the object field by field.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Off in tests: with noUncheckedIndexedAccess every `rows[0]` is optional, and a wrong `!`
      // in a test throws at once and fails that test, which is all a guard would do.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['bench/**/*.mjs', 'scripts/**/*.mjs', 'examples/**/*.mjs', 'ui/**/*.js'],
    rules: {
      // Off in the plain-JavaScript programs: they carry no type annotations, so every
      // JSON.parse, fetch answer (ui/), child-process result and import() of the built dist/ (by a computed path, or
      // by the package's own name in examples/) is `any`, and these rules would ask for a JSDoc cast on each use rather than find a fault.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { ...TEMPLATE_EXPRESSIONS, allowAny: true },
      ],
    },
  },
);
