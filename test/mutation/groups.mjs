// The pure modules under mutation testing and the unit tests that judge each
// group. A test file listed here should import little beyond its module: it
// runs once per mutant.
export const GROUPS = {
  config: {
    mutate: ['core/config/units.ts', 'core/config/schema.ts', 'core/config/semantic.ts'],
    tests: [
      'test/unit/config-checks.test.ts',
      'test/unit/config-document-checks.test.ts',
      'test/unit/config-defaults.test.ts',
      'test/unit/config-units.test.ts',
      'test/unit/config-load.test.ts',
      'test/unit/config-tls.test.ts',
    ],
  },
  balance: {
    mutate: ['core/balance/*.ts', '!core/balance/index.ts'],
    tests: ['test/unit/balance-pick.test.ts', 'test/unit/balance-peers.test.ts'],
  },
  shaping: {
    mutate: ['core/shaping/token-bucket.ts'],
    tests: ['test/unit/shaping-token-bucket.test.ts', 'test/unit/shaping-bucket.test.ts'],
  },
  http: {
    mutate: ['core/http/ranges.ts', 'core/http/static-path.ts'],
    tests: ['test/unit/http-ranges.test.ts', 'test/unit/http-static-path.test.ts'],
  },
  guard: {
    mutate: ['core/admin/guard.ts'],
    tests: ['test/unit/admin-guard.test.ts'],
  },
  sse: {
    mutate: ['core/sse/channel.ts'],
    tests: ['test/unit/sse-channel.test.ts'],
  },
  nginx: {
    mutate: ['core/nginx/parse.ts'],
    tests: ['test/unit/nginx-parse.test.ts'],
  },
};
