// StrykerJS over the engine's pure modules, one group at a time (`npm run mutate`
// runs every group through test/mutation/mutate.mjs; SLUICE_MUTATION_GROUP picks one).
// Each group names the modules it mutates and the unit test files that judge them:
// a group's static mutants (code run at import, like the zod schema) are run against
// every test file of the group, so the lists stay short and fast.
import { GROUPS } from './groups.mjs';

const name = process.env.SLUICE_MUTATION_GROUP ?? 'http';
const group = GROUPS[name];
if (!group) throw new Error(`unknown mutation group "${name}" (${Object.keys(GROUPS).join(', ')})`);
const concurrency = Number(process.env.SLUICE_MUTATION_WORKERS ?? 2);

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner', './test/mutation/ignore-descriptions.mjs'],
  tap: {
    testFiles: group.tests,
    // node:test through tsx; the TAP reporter is what the runner parses.
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  mutate: group.mutate,
  ignorers: ['sluice-descriptions'],
  coverageAnalysis: 'perTest',
  concurrency,
  timeoutMS: 15_000,
  timeoutFactor: 3,
  tempDirName: '.tmp/stryker',
  cleanTempDir: true,
  ignorePatterns: ['dist', 'out', '.tmp', 'docs', 'renderer', 'electron', 'test-results', 'build/*.json'],
  incremental: process.env.SLUICE_MUTATION_FORCE ? false : true,
  incrementalFile: `.tmp/mutation/${name}.incremental.json`,
  reporters: ['progress', 'clear-text', 'json', 'html'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  jsonReporter: { fileName: `.tmp/mutation/${name}.json` },
  htmlReporter: { fileName: `.tmp/mutation/${name}.html` },
  thresholds: { high: 90, low: 80, break: null },
};
