// Lint doubles as the architecture guard: the import boundaries of DESIGN.md are rules here,
// so crossing a layer fails `npm run lint` (and CI) instead of relying on review.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Only electron/main/ may import 'electron': a plain-Node import tries to download the binary. */
const noElectron = {
  name: 'electron',
  message: "Only electron/main/ may import 'electron' (plain Node would try to download the binary).",
};

/** Builds one `no-restricted-imports` rule; flat config replaces (not merges) a rule per block. */
function restrictImports({ paths = [], patterns = [] } = {}) {
  return ['error', { paths: [noElectron, ...paths], patterns }];
}

const runtimeMustNotReachUp = [
  { group: ['**/electron/**', '**/renderer/**'], message: 'node-runtime/ never imports electron/ or renderer/.' },
];

const pureIo = ['fs', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'timers', 'timers/promises', 'worker_threads', 'fs/promises', 'os', 'process'];
const pureCoreImports = {
  paths: pureIo.flatMap((m) => [m, `node:${m}`]).map((name) => ({
    name,
    message: 'raft/ and fsm/ are pure and deterministic: no I/O, no timers (time arrives as tick()).',
  })),
  patterns: [
    ...runtimeMustNotReachUp,
    { group: ['**/storage/**', '**/transport/**', '**/api/**', '**/services/**', '**/node', '**/node/**'], message: 'raft/ and fsm/ import nothing with side effects.' },
  ],
};

const pureCoreSyntax = [
  'error',
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'No clocks in raft/ and fsm/: time arrives through tick() or the entry.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No clocks in raft/ and fsm/: time arrives through tick() or the entry.' },
  { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'No Math.random in raft/ and fsm/: randomness comes from the injected seeded generator.' },
  { selector: "MemberExpression[object.name='performance'][property.name='now']", message: 'No clocks in raft/ and fsm/.' },
];

const pureCoreGlobals = ['error', ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'process', 'fetch', 'performance'].map((name) => ({
  name,
  message: 'raft/ and fsm/ are pure: no timers, no process, no network.',
}))];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'release/', 'data/', 'test-results/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': restrictImports(),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['electron/main/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['node-runtime/**'],
    rules: { 'no-restricted-imports': restrictImports({ patterns: runtimeMustNotReachUp }) },
  },
  {
    files: ['node-runtime/raft/**', 'node-runtime/fsm/**'],
    rules: {
      'no-restricted-imports': restrictImports(pureCoreImports),
      'no-restricted-syntax': pureCoreSyntax,
      'no-restricted-globals': pureCoreGlobals,
    },
  },
  {
    files: ['node-runtime/common/**'],
    rules: {
      'no-restricted-imports': restrictImports({
        paths: nodeBuiltins.map((name) => ({ name, message: 'node-runtime/common/ is shared with the renderer: no Node built-ins.' })),
        patterns: [{ regex: '(^|/)(electron|renderer)/', message: 'node-runtime/ never imports electron/ or renderer/.' }],
      }),
    },
  },
  {
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrictImports({
        paths: nodeBuiltins.map((name) => ({ name, message: 'renderer/ runs in a browser: no Node built-ins.' })),
        patterns: [
          { regex: '(^|/)node-runtime/(?!common(/|$))', message: 'renderer/ may import only node-runtime/common/.' },
          { regex: '(^|/)electron/', message: 'renderer/ talks to the manager over HTTP, never by import.' },
        ],
      }),
    },
  },
);
