// Lint doubles as the architecture guard: the import boundaries of DESIGN.md are one table here,
// so crossing a layer fails `npm run lint` (and CI) instead of relying on review.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layeringPlugin } from './scripts/lint/layering-rule.js';

const RUNTIME = ['common', 'raft', 'fsm', 'storage', 'transport', 'driver', 'services', 'ports', 'api', 's3', 'backup'];
const MANAGER_ROOMS = ['supervision', 'clusters', 'cluster-view', 'control-api', 'watched'];

/**
 * The layering table (VS Code's code-layering is the model; DESIGN.md's "Where things live" and
 * "Imports run downward only" are the spec): each layer, where it lives, the layers it may import
 * and why. An import across layers that is not listed fails `npm run lint` with that reason.
 * Paths ending in / are folders; the most specific path wins. `builtins`: 'none' forbids Node's
 * built-in modules, 'no-io' those with side effects. Only a layer with `electron` imports 'electron'.
 * Files in no layer (tests, scripts, bench) may import anything but 'electron'.
 */
export const layers = {
  common: {
    paths: ['node-runtime/common/'], may: [], builtins: 'none',
    why: 'node-runtime/common/ is shared with the renderer: plain types and schemas, no Node built-ins',
  },
  raft: {
    paths: ['node-runtime/raft/'], may: ['common'], builtins: 'no-io',
    why: 'raft/ is the pure, deterministic Raft core: it imports nothing with side effects (time arrives as tick())',
  },
  fsm: {
    paths: ['node-runtime/fsm/'], may: ['raft', 'common'], builtins: 'no-io',
    why: 'fsm/ is deterministic (apply depends only on prior state and the entry): it imports nothing with side effects',
  },
  storage: {
    paths: ['node-runtime/storage/'], may: ['raft', 'common', 'owner-file'],
    why: "storage/ is the disk under Raft: it knows Raft's types and nothing above them",
  },
  'owner-file': {
    paths: ['node-runtime/storage/owner-file.ts', 'node-runtime/storage/process-identity.ts'], may: [],
    why: "owner-file.ts is the lock file naming a live process, shared by a node's data-directory lock and the manager's cluster lock: it depends on neither",
  },
  transport: {
    paths: ['node-runtime/transport/'], may: ['raft', 'common'],
    why: "transport/ carries Raft messages and chunks between nodes: it knows Raft's types and nothing above them",
  },
  driver: {
    paths: ['node-runtime/node/raft-driver.ts', 'node-runtime/node/background-snapshot.ts'], may: ['raft', 'common'],
    why: "the Raft driver carries out Raft's Ready contract with what it is given: it imports only Raft",
  },
  backup: {
    paths: ['node-runtime/backup/'], may: ['common'],
    why: 'backup/ is the backup archive format, shared by the node (writing and restoring) and dfsctl (checking): it knows neither',
  },
  services: {
    paths: ['node-runtime/services/'], may: ['ports', 'driver', 'storage', 'transport', 'fsm', 'raft', 'backup', 'common'],
    why: 'services/ never import api/ or the wiring: the contracts they share with api/ live in ports.ts',
  },
  ports: {
    paths: ['node-runtime/ports.ts'], may: ['services', 'driver', 'storage', 'transport', 'fsm', 'raft', 'backup', 'common'],
    why: 'ports.ts holds the contracts between api/ and services/, so it sits below api/',
  },
  api: {
    paths: ['node-runtime/api/'], may: ['ports', 'services', 'driver', 'common'],
    why: 'api/ turns HTTP into service calls: it reaches storage, transport, Raft and the state machine only through services/',
  },
  s3: {
    paths: ['node-runtime/s3/'], may: ['ports', 'services', 'driver', 'common'],
    why: 's3/ is another client of the services, like api/',
  },
  ctl: {
    paths: ['node-runtime/ctl/'], may: ['backup', 'common'],
    why: "ctl/ is dfsctl, a client of the nodes' HTTP API like the manager: it uses only common/ and the backup archive's format",
  },
  node: {
    paths: ['node-runtime/node/', 'node-runtime/'], may: RUNTIME,
    why: 'node/ wires the node from all its parts, and from nothing of the desktop app',
  },
  manager: {
    paths: ['electron/manager/'], may: [...MANAGER_ROOMS, 'manager-files', 'common'],
    why: 'the manager (manager.ts assembles the rooms, web.ts is web mode) never imports electron/main/ and uses only node-runtime/common/ of the node',
  },
  'manager-files': {
    paths: ['electron/manager/files.ts'], may: [],
    why: 'files.ts is the durable-file helper every room uses: it depends on no room',
  },
  supervision: {
    paths: ['electron/manager/supervision/'], may: ['clusters', 'cluster-view', 'manager-files', 'owner-file', 'common'],
    why: "supervision/ runs local nodes: it neither serves the API nor watches folders, and never imports the assembly (manager.ts); its cluster lock is the nodes' kind of owner file",
  },
  clusters: {
    paths: ['electron/manager/clusters/'], may: ['cluster-view', 'manager-files', 'backup', 'common'],
    why: "clusters/ reaches nodes through their APIs (and checks their backup archives with backup/'s walk, as dfsctl does); local processes are supervision/'s, behind the ClusterBackend seam",
  },
  'cluster-view': {
    paths: ['electron/manager/cluster-view/'], may: ['clusters', 'common'],
    why: 'cluster-view/ observes a ClusterBackend: it owns no process and serves no request',
  },
  'control-api': {
    paths: ['electron/manager/control-api/'], may: ['clusters', 'cluster-view', 'watched', 'common'],
    why: 'control-api/ acts through the ClusterBackend and ClusterOps, never on node processes (supervision/) directly',
  },
  watched: {
    paths: ['electron/manager/watched/'], may: ['manager-files', 'common'],
    why: 'watched/ reaches the cluster through its own client (watched-remote.ts), so it works in local and attach mode alike',
  },
  main: {
    paths: ['electron/main/'], may: ['manager', 'manager-files', ...MANAGER_ROOMS, 'common'], electron: true,
    why: 'electron/main/ drives the manager and uses only node-runtime/common/ of the node',
  },
  renderer: {
    paths: ['renderer/src/'], may: ['common'], builtins: 'none',
    why: 'renderer/ runs in a browser and talks to the manager over HTTP: it imports only node-runtime/common/',
  },
};

/**
 * Edges the table forbids that the code still has, each with what removes it. The rule lets
 * exactly these files through; the lint test fails once one is gone, so the list only shrinks.
 */
export const knownViolations = [];

const layering = layeringPlugin(import.meta.dirname, layers, knownViolations);

/**
 * Testing knobs plant bugs in the core and the driver for the simulator to catch (test/sim/):
 * no code that ships may set one, so only a test's construction path can turn them on.
 */
const noTestingKnobs = { selector: "ObjectExpression > Property[key.name='testingKnobs']", message: 'Testing knobs are for the simulator and unit tests only: shipped code never sets one.' };

/** Beyond imports, raft/ and fsm/ stay deterministic: no clocks, no randomness, no timers. */
const pureCoreSyntax = [
  'error',
  noTestingKnobs,
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
  { ignores: ['node_modules/', 'dist/', 'packages/*/dist/', 'release/', 'data/', 'test-results/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    plugins: { layering },
    rules: {
      'layering/imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The node is built top to bottom (issue #16): no variable or class is used, not even inside a
    // closure, above its declaration, so reordering the wiring cannot throw a ReferenceError.
    files: ['node-runtime/**/*.ts'],
    rules: { '@typescript-eslint/no-use-before-define': ['error', { functions: false, classes: true, variables: true, typedefs: false, ignoreTypeReferences: true }] },
  },
  {
    // Functions a reader can hold in their head (issue #16; TigerBeetle holds 70). Every function in
    // these folders is within 70 lines today; 100 is the line it may not cross.
    files: ['node-runtime/**/*.ts', 'electron/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['node-runtime/**/*.ts', 'electron/**/*.ts', 'scripts/**/*.ts', 'bin/**'],
    rules: { 'no-restricted-syntax': ['error', noTestingKnobs] },
  },
  {
    files: ['node-runtime/raft/**', 'node-runtime/fsm/**'],
    rules: {
      'no-restricted-syntax': pureCoreSyntax,
      'no-restricted-globals': pureCoreGlobals,
    },
  },
  {
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
