// `npm run bench:growth [-- --db sqlite|postgres] [--users N] [--events M] [--quick] [--rounds R] [--seconds S]`:
// is the profile-update rate flat as the data grows (issue 17.5)?
//
// 1. Two databases in the shape the gateway's migrations create (migrated by the gateway's own
//    code, then filled with bulk SQL — a recursive CTE on SQLite, generate_series on PostgreSQL —
//    never the CLI or the AdminService per user): a LARGE one with N users (default 1,000,000)
//    and M events (default 10,000,000: M / N events per user, `user.created` then
//    `profile.changed`, the user's sequence = its last event; active, no password), and a SMALL one with 5,000 users
//    and the same events per user. Both hold one organization and an IAM_OWNER admin with a token
//    (made by test/bench/lib.ts's `seed`, as `npm run bench` makes them). --quick: 100,000 users
//    and 1,000,000 events.
// 2. Starts the built gateway (`npm run build`, dist/main.js, as `npm run bench` does) on each,
//    and measures GraphQL profile updates (32 connections, closed loop) in alternating rounds
//    (small, large, large, small, …): the LARGE database's updates go to users drawn at random
//    from all N, the SMALL one's to all 5,000.
// 3. Checks that every 2xx wrote its event, prints the medians, the ratio large / small (goal
//    ≥ 0.9: the median of the rounds' ratios, each round measuring both back to back; the ratio of
//    the medians too), and the database size per million events (SQLite: the file after a checkpoint;
//    PostgreSQL: pg_total_relation_size of the schema's tables, indexes and TOAST included), and
//    a JSON line. Deletes both databases at the end.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  type BenchDatabase,
  bodies,
  cliOption,
  load,
  log,
  median,
  postgresDatabase,
  ROOT,
  type Server,
  seed,
  sqliteDatabase,
  startServer,
  stopServer,
} from './lib.js';

const GATEWAY = 'dist/main.js';
const argv = process.argv.slice(2);
const option = cliOption;
const QUICK = argv.includes('--quick');
/** --keep: leave both databases in place (for inspection; delete them yourself). */
const KEEP = argv.includes('--keep');
const DB = option('db') ?? 'sqlite';
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error(`--db ${DB}: want sqlite or postgres`);
const POSTGRES = DB === 'postgres';
const USERS = Number(option('users') ?? (QUICK ? 100_000 : 1_000_000));
const EVENTS = Number(option('events') ?? (QUICK ? 1_000_000 : 10_000_000));
const SMALL_USERS = 5_000;
const ROUNDS = Number(option('rounds') ?? (QUICK ? 2 : 3));
const SECONDS = Number(option('seconds') ?? (QUICK ? 4 : 8));
const WARMUP_SECONDS = 2;
const CONNECTIONS = 32;
/** Users of the large database the updates go to (drawn at random from all of them). */
const SAMPLE = 50_000;
const EVENTS_PER_USER = Math.max(1, Math.floor(EVENTS / USERS));
if (!Number.isSafeInteger(USERS) || USERS < SMALL_USERS) throw new Error(`--users ${USERS}: want ≥ ${SMALL_USERS}`);

/** When every seeded row was made (a fixed instant: the rows need not look recent). */
const SEEDED_AT = '2026-01-01T00:00:00.000Z';
/** Seeded user ids: 18 digits like the gateway's, in insertion order. */
const idOf = (i: number) => `7${String(i).padStart(17, '0')}`;

interface Prepared {
  label: string;
  users: number;
  events: number;
  db: BenchDatabase;
  token: string;
  ids: string[];
  seedSeconds: number;
  bytes: number;
  /** Connections that read the sampled users' sequences (opened on first use). */
  client?: Promise<pg.Client>;
  file?: SQLite.Database;
}

/** The SQL that fills `users` and `user_events` (beyond the admin `seed` made); the engine's dialect. */
async function bulkFill(db: BenchDatabase, users: number, perUser: number): Promise<void> {
  if (POSTGRES) {
    const client = new pg.Client({ connectionString: db.seedUrl });
    await client.connect();
    try {
      const org = (await client.query<{ id: string }>('select id from organizations')).rows[0]?.id;
      // Every row is valid by construction: the foreign-key triggers are skipped while loading.
      await client.query('set session_replication_role = replica');
      await client.query(
        `insert into users (id, org_id, kind, state, username, username_key, given_name, family_name, nick_name,
           display_name, preferred_language, gender, email, email_verified, phone, phone_verified, password_hash,
           password_change_required, failed_password_attempts, sequence, change_date, created_at)
         select '7' || lpad(i::text, 17, '0'), $1, 'human', 'active', 'grow-' || i, 'grow-' || i, 'Given', 'Family', '',
           '', 'und', 0, 'grow-' || i || '@bench.example', 0, '', 0, null, 0, 0, $2, $3, $3
         from generate_series(0, $4::int - 1) as i`,
        [org, perUser, SEEDED_AT, users],
      );
      await client.query(
        `insert into user_events (user_id, sequence, type, payload, creator, resource_owner, created_at)
         select '7' || lpad(i::text, 17, '0'), k,
           case when k = 1 then 'user.created' else 'profile.changed' end,
           case when k = 1
             then json_build_object('username', 'grow-' || i, 'givenName', 'Given', 'familyName', 'Family',
                    'email', 'grow-' || i || '@bench.example', 'emailVerified', false, 'state', 'active')::text
             else json_build_object('givenName', 'Given-' || k)::text end,
           '7' || lpad(i::text, 17, '0'), $1, $2
         from generate_series(0, $3::int - 1) as i, generate_series(1, $4::int) as k`,
        [org, SEEDED_AT, users, perUser],
      );
      await client.query('set session_replication_role = origin');
      await client.query('vacuum analyze users, user_events');
    } finally {
      await client.end();
    }
    return;
  }
  const file = new SQLite(db.seedUrl);
  try {
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = OFF');
    const org = (file.prepare('select id from organizations').get() as { id: string }).id;
    file.transaction(() => {
      file
        .prepare(
          `insert into users (id, org_id, kind, state, username, username_key, given_name, family_name, nick_name,
             display_name, preferred_language, gender, email, email_verified, phone, phone_verified, password_hash,
             password_change_required, failed_password_attempts, sequence, change_date, created_at)
           with recursive s(i) as (select 0 union all select i + 1 from s where i < :users - 1)
           select '7' || printf('%017d', i), :org, 'human', 'active', 'grow-' || i, 'grow-' || i, 'Given', 'Family', '',
             '', 'und', 0, 'grow-' || i || '@bench.example', 0, '', 0, null, 0, 0, :perUser, :at, :at from s`,
        )
        .run({ users, org, perUser, at: SEEDED_AT });
      file
        .prepare(
          `insert into user_events (user_id, sequence, type, payload, creator, resource_owner, created_at)
           with recursive s(i) as (select 0 union all select i + 1 from s where i < :users - 1),
             q(k) as (select 1 union all select k + 1 from q where k < :perUser)
           select '7' || printf('%017d', i), k,
             case when k = 1 then 'user.created' else 'profile.changed' end,
             case when k = 1
               then json_object('username', 'grow-' || i, 'givenName', 'Given', 'familyName', 'Family',
                      'email', 'grow-' || i || '@bench.example', 'emailVerified', json('false'), 'state', 'active')
               else json_object('givenName', 'Given-' || k) end,
             '7' || printf('%017d', i), :org, :at
           from s, q`,
        )
        .run({ users, org, perUser, at: SEEDED_AT });
    })();
    file.pragma('analysis_limit = 1000');
    file.exec('analyze');
    file.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    file.close();
  }
}

async function databaseBytes(db: BenchDatabase): Promise<number> {
  if (POSTGRES) {
    const client = new pg.Client({ connectionString: db.seedUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ bytes: string }>(
        `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::text as bytes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = current_schema() and c.relkind = 'r'`,
      );
      return Number(rows[0]?.bytes);
    } finally {
      await client.end();
    }
  }
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return size(db.seedUrl) + size(`${db.seedUrl}-wal`);
}

/** The sum of the sampled users' sequences: what the measured updates move on, read by primary key. */
async function sequenceSum(p: Prepared): Promise<number> {
  if (POSTGRES) {
    p.client ??= (async () => {
      const client = new pg.Client({ connectionString: p.db.seedUrl });
      await client.connect();
      return client;
    })();
    const { rows } = await (await p.client).query<{ n: string }>(
      'select sum(sequence)::text as n from users where id = any($1)',
      [p.ids],
    );
    return Number(rows[0]?.n);
  }
  p.file ??= new SQLite(p.db.seedUrl, { readonly: true });
  const row = p.file
    .prepare('select sum(sequence) as n from users where id in (select value from json_each(?))')
    .get(JSON.stringify(p.ids)) as { n: number };
  return row.n;
}

function sample(users: number, count: number): string[] {
  if (users <= count) return Array.from({ length: users }, (_, i) => idOf(i));
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * users));
  return [...picked].map(idOf);
}

/** Every database made, so that each is deleted at the end (also after a failure while seeding). */
const made: BenchDatabase[] = [];

async function prepare(label: string, users: number, perUser: number): Promise<Prepared> {
  const db = POSTGRES ? await postgresDatabase() : sqliteDatabase();
  made.push(db);
  const started = performance.now();
  log(`${label}: seeding ${users.toLocaleString('en')} users × ${perUser} events into ${db.where} …`);
  // The organization, the admin (IAM_OWNER) and its token, as `npm run bench` makes them; no users yet.
  const { token } = await seed(db.seedUrl, 0, () => {});
  await bulkFill(db, users, perUser);
  const seedSeconds = (performance.now() - started) / 1000;
  const bytes = await databaseBytes(db);
  log(`${label}: seeded in ${seedSeconds.toFixed(0)} s, ${(bytes / 1e6).toFixed(0)} MB`);
  return { label, users, events: users * perUser, db, token, ids: sample(users, SAMPLE), seedSeconds, bytes };
}

async function main() {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const load1 = loadavg()[0] ?? 0;
  const prepared: Prepared[] = [];
  const servers: Server[] = [];
  const started = performance.now();
  try {
    const small = await prepare('small', SMALL_USERS, EVENTS_PER_USER);
    prepared.push(small);
    const large = await prepare('large', USERS, EVENTS_PER_USER);
    prepared.push(large);
    const env = { PASSWORD_HASH_COST: '10', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
    const gateways = new Map<Prepared, Server>();
    for (const p of prepared) {
      const server = await startServer(`gateway (${p.label})`, GATEWAY, { ...env, ...p.db.durable.env });
      servers.push(server);
      gateways.set(p, server);
    }
    const eventsBefore = new Map<Prepared, number>();
    const sequencesBefore = new Map<Prepared, number>();
    for (const p of prepared) {
      eventsBefore.set(p, await p.db.countEvents());
      sequencesBefore.set(p, await sequenceSum(p));
    }
    const body = new Map(prepared.map((p) => [p, bodies(p.ids, []).graphql]));
    const rps = new Map<Prepared, number[]>(prepared.map((p) => [p, []]));
    /** One load phase; every 2xx must have moved its user's sequence on by one (in-flight stragglers aside). */
    const run = async (p: Prepared, seconds: number, counted: boolean) => {
      const before = await sequenceSum(p);
      const result = await load((gateways.get(p) as Server).base, p.token, body.get(p) as never, seconds, CONNECTIONS);
      // Requests in flight when the phase ended commit a little later: wait until the sum stands still.
      let written = 0;
      for (let i = 0, last = -1, still = 0; i < 200 && still < 5; i++) {
        written = (await sequenceSum(p)) - before;
        still = written === last ? still + 1 : 0;
        last = written;
        await new Promise((done) => setTimeout(done, 100));
      }
      if (result.other > 0 || result.errors > 0 || written < result.ok || written > result.ok + CONNECTIONS) {
        throw new Error(
          `${p.label}: ${result.ok} answers 2xx, ${result.other} other, ${result.errors} errors, but ${written} writes`,
        );
      }
      if (counted) rps.get(p)?.push(Math.round(result.rps));
    };
    log('warming up …');
    for (const p of prepared) await run(p, WARMUP_SECONDS, false);
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}/${ROUNDS} …`);
      // Alternating order (small first, then large first): drift of the machine hits both alike.
      const order = round % 2 === 0 ? [small, large] : [large, small];
      for (const p of order) await run(p, SECONDS, true);
    }
    // Every write moved a sequence on by exactly one event: the event log grew by as much.
    for (const p of prepared) {
      const events = (await p.db.countEvents()) - (eventsBefore.get(p) ?? 0);
      const sequences = (await sequenceSum(p)) - (sequencesBefore.get(p) ?? 0);
      if (events !== sequences)
        throw new Error(`${p.label}: sequences moved on by ${sequences}, ${events} events written`);
    }
    const smallRps = median(rps.get(small) ?? []);
    const largeRps = median(rps.get(large) ?? []);
    const ratio = largeRps / smallRps;
    // Each round measured both databases back to back: its ratio is the least affected by the
    // machine's drift between rounds (a shared machine's speed moves by ×2 within minutes).
    const largeRounds = rps.get(large) ?? [];
    const roundRatios = (rps.get(small) ?? []).map((s, i) => (largeRounds[i] ?? 0) / s);
    const pairedRatio = median(roundRatios);
    const perMillion = large.bytes / (large.events / 1e6);
    const load2 = loadavg()[0] ?? 0;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\nuser-gateway growth benchmark (${POSTGRES ? 'PostgreSQL' : 'SQLite'}: ${ROUNDS} alternating round(s) × ${SECONDS} s, ` +
        `${CONNECTIONS} connections, GraphQL profile update; ${seconds.toFixed(0)} s in all; ` +
        `1-min load average ${load1.toFixed(1)} at start, ${load2.toFixed(1)} at end)\n`,
    );
    console.log('| database | users | events | seeded in | size | update req/s (median) | per round |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const p of prepared) {
      console.log(
        `| ${p.label} | ${p.users.toLocaleString('en')} | ${p.events.toLocaleString('en')} | ${p.seedSeconds.toFixed(0)} s | ` +
          `${(p.bytes / 1e6).toFixed(0)} MB | ${median(rps.get(p) ?? [])} | ${(rps.get(p) ?? []).join(', ')} |`,
      );
    }
    console.log(
      `\nlarge / small: ${pairedRatio.toFixed(2)} median of the rounds' ratios (${roundRatios.map((r) => r.toFixed(2)).join(', ')}), ` +
        `${ratio.toFixed(2)} ratio of the medians (goal ≥ 0.9) — ${pairedRatio >= 0.9 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `database size per million events: ${(perMillion / 1e6).toFixed(0)} MB ` +
        `(${POSTGRES ? 'pg_total_relation_size of the tables' : 'SQLite file after a checkpoint'}, ` +
        `${EVENTS_PER_USER} events per user)`,
    );
    console.log(
      JSON.stringify({
        db: DB,
        users: large.users,
        events: large.events,
        small_rps: smallRps,
        large_rps: largeRps,
        ratio: Number(pairedRatio.toFixed(3)),
        ratio_of_medians: Number(ratio.toFixed(3)),
        mb_per_million_events: Number((perMillion / 1e6).toFixed(1)),
      }),
    );
  } finally {
    for (const server of servers) await stopServer(server).catch(() => {});
    for (const p of prepared) {
      p.file?.close();
      await p.client?.then((client) => client.end()).catch(() => {});
    }
    if (KEEP) log(`kept: ${made.map((db) => db.where).join(', ')}`);
    else for (const db of made) await db.drop().catch((error) => log(`drop ${db.where}: ${error}`));
  }
}

await main();
