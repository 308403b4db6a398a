import { createRequire } from 'node:module';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { DEFAULT_TEST_DATABASE_URL, postgresUnreachable } from './test/support/engine.js';

// vitest would otherwise load graphql twice (ESM and CJS): alias it to the entry Node resolves.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// The integration suite runs twice: on SQLite (with everything else) and on PostgreSQL, each
// harness in a fresh schema of TEST_DATABASE_URL. Without a reachable PostgreSQL the second run
// is skipped with a message, except under CI=true, where that is an error.
const databaseUrl = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
// Integration tests that never touch the harness's database (processes, SQLite files, no
// database at all): running them again on PostgreSQL would prove nothing.
const NOT_ON_POSTGRES = [
  'test/integration/cli-polish.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/notify-cli.test.ts',
  'test/integration/notify-sigkill.test.ts',
  'test/integration/notify-workers.test.ts',
  'test/integration/schema-drift.test.ts',
];
// PostgreSQL-only tests (several gateway processes on one database).
const POSTGRES_ONLY = 'test/integration/pg-*.test.ts';
// Beyond test/integration, harness tests whose point is concurrency, which differs most by engine.
const ALSO_ON_POSTGRES = ['test/reliability/concurrency.test.ts'];

// Contract files that run a second time through an upstream-mode gateway.
const THROUGH_UPSTREAM = [
  'test/integration/username-profile.test.ts',
  'test/integration/email-phone.test.ts',
  'test/integration/password.test.ts',
  'test/integration/password-reset.test.ts',
  'test/integration/auth-permissions.test.ts',
  'test/integration/grpc.test.ts',
  'test/integration/contact-codes.test.ts',
  'test/integration/update-user.test.ts',
  'test/integration/federation.test.ts',
];

export default defineConfig(async () => {
  const unreachable = await postgresUnreachable(databaseUrl);
  const where = new URL(databaseUrl).host;
  if (unreachable && process.env.CI === 'true') {
    throw new Error(`PostgreSQL at ${where} is unreachable (${unreachable}); CI=true requires the postgres tests`);
  }
  const projects: TestProjectInlineConfiguration[] = [
    {
      extends: true,
      test: {
        name: 'sqlite',
        include: ['test/**/*.test.ts'],
        exclude: [POSTGRES_ONLY],
        env: { TEST_ENGINE: 'sqlite' },
      },
    },
  ];
  // Upstream mode (issue 18): the contract files again, each harness's calls going through an
  // upstream-mode gateway whose upstream is the harness's own app (test/support/upstream-front.ts).
  projects.push({
    extends: true,
    test: { name: 'upstream', include: THROUGH_UPSTREAM, env: { TEST_ENGINE: 'sqlite', TEST_GATEWAY: 'upstream' } },
  });
  if (unreachable) {
    const notice = `\n*** SKIPPED: the PostgreSQL run of the integration suite — ${where} is unreachable (${unreachable}).\n*** Set TEST_DATABASE_URL to a reachable PostgreSQL (CI=true makes this an error).\n`;
    console.warn(notice);
    process.once('exit', () => console.warn(notice));
  } else {
    projects.push({
      extends: true,
      test: {
        name: 'postgres',
        include: ['test/integration/**/*.test.ts', ...ALSO_ON_POSTGRES],
        exclude: NOT_ON_POSTGRES,
        env: { TEST_ENGINE: 'postgres', TEST_DATABASE_URL: databaseUrl },
        setupFiles: ['test/support/postgres-setup.ts'],
      },
    });
  }
  return {
    resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
    test: {
      testTimeout: 20_000,
      hookTimeout: 30_000,
      pool: 'forks',
      projects,
    },
  };
});
