// `npm run bench [-- --quick] [-- --db postgres] [-- --profile]`: the gateway against its own stack's ceiling, in one run.
//
// 1. Seeds a fresh database (AdminService: one organization, many human users with a cost-10
//    password hash, an IAM_OWNER admin with a token): an SQLite file, or with `--db postgres` a
//    new schema in BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped
//    at the end.
// 2. Starts the gateway (the `npm run build` bundle on plain node, as `npm start` does; PASSWORD_HASH_COST=10, SQLITE_SYNCHRONOUS
//    FULL — the default) and, on the same file, a second gateway with SQLITE_SYNCHRONOUS=NORMAL
//    (durability comparison), plus the baseline (test/bench/baseline-server.ts: same yoga setup,
//    trivial echo mutation, no database). All are child processes; the load generator
//    (autocannon) and the latency probe run in this process.
//    On PostgreSQL the comparison is synchronous_commit=on (the default) against off, each set
//    per connection (`options` in DATABASE_URL), and a second instance of the default gateway
//    runs on the same schema (the scale-out setup: DATABASE_POOL_SIZE=10 each).
// 3. Measures in alternating rounds (so machine drift hits every figure alike): echo, GraphQL
//    profile update, [PostgreSQL: the same split over two instances, half the connections each,]
//    REST profile update, GraphQL profile update on NORMAL / synchronous_commit=off, password update,
//    raw bcrypt hash+verify pairs, and (SQLite) the raw limit: test/bench/raw-server.ts, plain
//    node:http + better-sqlite3 doing only a profile update's durable work on a copy of the run's
//    database, and its JSON echo without a database; then profile-update p99 latency at a fixed rate, alone and
//    while password updates saturate the hashing threads.
//    Upstream phase (issue 18): a gateway in upstream mode (ZITADEL_URL = the measured gateway,
//    which stands in for ZITADEL) takes the same GraphQL profile updates in the same rounds; its
//    throughput and fixed-rate p50/p99 are compared with calling the stand-in directly.
// 4. Checks that every counted 2xx really wrote (events in the database), prints a table, the
//    durability line (and on PostgreSQL the scale-out line), and as the last line one JSON
//    object with exactly the issues' keys (the same in both modes: raw_update_rps and raw_echo_rps
//    are null on PostgreSQL; the two-instance figure is in the table only).
//
// --profile writes V8 CPU profiles of the gateway (FULL) to ./bench-profiles/ (open in Chrome DevTools).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  type Body,
  bcryptRaw,
  bodies,
  COST,
  load,
  loadSplit,
  log,
  median,
  POOL_SIZE,
  peakRssMb,
  percentile,
  postgresDatabase,
  probe,
  ROOT,
  type Server,
  seed,
  sqliteCopy,
  sqliteDatabase,
  startServer,
  stopServer,
} from './lib.js';

/** The built gateway (see `npm run build`). */
const GATEWAY = 'dist/main.js';
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const PROFILE = args.has('--profile');
/** --db sqlite (the default) | postgres; also --db=postgres. */
const DB = process.argv.includes('--db')
  ? process.argv[process.argv.indexOf('--db') + 1]
  : (process.argv.find((a) => a.startsWith('--db='))?.slice('--db='.length) ?? 'sqlite');
if (DB !== 'sqlite' && DB !== 'postgres') throw new Error(`--db ${DB}: want sqlite or postgres`);
const POSTGRES = DB === 'postgres';

const PLAN = QUICK
  ? {
      users: 300,
      rounds: 1,
      seconds: 1.5,
      passwordSeconds: 2.5,
      warmupSeconds: 0.75,
      latencySeconds: 2,
      latencyRounds: 1,
    }
  : { users: 5000, rounds: 3, seconds: 8, passwordSeconds: 10, warmupSeconds: 3, latencySeconds: 8, latencyRounds: 2 };
/** Connections for the throughput phases (closed loop: each sends its next request on the answer). */
const CONNECTIONS = 32;
/** Concurrent password updates, and concurrent hash+verify pairs for the raw bcrypt figure. */
const PASSWORD_PARALLELISM = 4;
/**
 * The latency probe: an open loop at a fixed rate well below saturation — this share of the
 * profile-update throughput measured in the same run, directly or through upstream mode, whichever
 * is lower (so a busier machine gets a lighter probe),
 * within 20–200 requests per second.
 */
const PROBE_SHARE = 0.25;

// --- main ----------------------------------------------------------------------------------------

async function main() {
  const benchStart = performance.now();
  const loadAtStart = loadavg()[0] as number;
  const db = POSTGRES ? await postgresDatabase() : sqliteDatabase();
  let raw: ReturnType<typeof sqliteCopy> | undefined;
  const servers: Server[] = [];
  const starting: Promise<Server>[] = [];
  const track = (server: Promise<Server>) => {
    const tracked = server.then((s) => {
      servers.push(s);
      return s;
    });
    starting.push(tracked);
    return tracked;
  };
  try {
    const gatewayEnv = {
      PASSWORD_HASH_COST: String(COST),
      // The goals hold with request logs on (one line per request at info).
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    };
    // The baseline and the NORMAL gateway (and on PostgreSQL the second instance) start while the
    // database is seeded; the measured gateway then starts alone, so that ready_ms is its own start-up time.
    // The gateway runs as `npm start` runs it: the esbuild bundle on plain node (no tsx at run time).
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    const baselineStarting = track(startServer('baseline', 'test/bench/baseline-server.ts', { LOG_LEVEL: 'info' }));
    let normalStarting: Promise<Server> | undefined;
    let secondStarting: Promise<Server> | undefined;
    log(`seeding ${PLAN.users} users into ${db.where} …`);
    const { token, ids } = await seed(db.seedUrl, PLAN.users, () => {
      normalStarting = track(startServer(`gateway (${db.fast.name})`, GATEWAY, { ...gatewayEnv, ...db.fast.env }));
      if (POSTGRES) secondStarting = track(startServer('gateway 2', GATEWAY, { ...gatewayEnv, ...db.durable.env }));
    });
    const baseline = await baselineStarting;
    const normal = await (normalStarting as Promise<Server>);
    const second = await secondStarting;
    // Password updates use their own users (each request a different one), profile updates the rest.
    const passwordIds = ids.slice(0, Math.floor(ids.length / 5));
    const profileIds = ids.slice(passwordIds.length);
    const body = bodies(profileIds, passwordIds);
    // The raw limit's own copy of the seeded database (SQLite only: on PostgreSQL the raw keys are null).
    raw = POSTGRES ? undefined : sqliteCopy(db.seedUrl);

    const profileDir = join(ROOT, 'bench-profiles');
    if (PROFILE) mkdirSync(profileDir, { recursive: true });
    const full = await track(
      startServer(
        'gateway',
        GATEWAY,
        { ...gatewayEnv, ...db.durable.env },
        PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      ),
    );
    // Upstream mode in front of the measured gateway: no database of its own, calls over h2c.
    const upstream = await track(
      startServer('gateway (upstream mode)', GATEWAY, {
        ...gatewayEnv,
        ZITADEL_URL: full.base,
        ZITADEL_INSECURE: 'true',
      }),
    );
    const rawServer = raw
      ? await track(startServer('raw limit', 'test/bench/raw-server.ts', { DATABASE_URL: raw.file }))
      : undefined;
    log(
      `ready: gateway ${full.readyMs.toFixed(0)} ms, upstream mode ${upstream.readyMs.toFixed(0)} ms, baseline ${baseline.readyMs.toFixed(0)} ms`,
    );

    const verified: string[] = [];
    /**
     * A load phase whose every 2xx must have written exactly one event (in-flight stragglers aside),
     * on one gateway or split over several at once (half the connections each for two).
     */
    async function writes(
      label: string,
      base: string | string[],
      b: Body,
      seconds: number,
      connections: number,
      countEvents = db.countEvents,
    ) {
      const before = await countEvents();
      const r = await loadSplit([base].flat(), token, b, seconds, connections);
      // Requests still in flight when the phase ended may commit a little later: wait until the
      // event count stands still, so neither this phase nor the next one counts them wrongly.
      // Still = unchanged for 5 checks in a row (one 100 ms pause is too short on a loaded machine).
      for (let i = 0, last = -1, still = 0; i < 200 && still < 5; i++) {
        const now = await countEvents();
        still = now === last ? still + 1 : 0;
        last = now;
        await new Promise((done) => setTimeout(done, 100));
      }
      const written = (await countEvents()) - before;
      if (r.other > 0 || r.errors > 0 || written < r.ok || written > r.ok + connections) {
        throw new Error(
          `${label}: ${r.ok} answers 2xx, ${r.other} other, ${r.errors} errors, but ${written} events written`,
        );
      }
      verified.push(`${label} ${r.ok}`);
      return r.rps;
    }
    async function echo(seconds: number, base = baseline.base, b = body.echo) {
      const r = await load(base, token, b, seconds, CONNECTIONS);
      if (r.other > 0 || r.errors > 0) throw new Error(`echo: ${r.other} non-2xx, ${r.errors} errors`);
      return r.rps;
    }
    /** The raw limit's update: its events are counted in its own copy of the database. */
    const rawWrites = (seconds: number) =>
      raw && rawServer
        ? writes('raw', rawServer.base, body.rest, seconds, CONNECTIONS, raw.countEvents)
        : Promise.resolve(Number.NaN);

    log('warming up …');
    await echo(PLAN.warmupSeconds);
    await writes('graphql', full.base, body.graphql, PLAN.warmupSeconds, CONNECTIONS);
    if (second) await writes('graphql-2', [full.base, second.base], body.graphql, PLAN.warmupSeconds, CONNECTIONS);
    await writes('rest', full.base, body.rest, PLAN.warmupSeconds, CONNECTIONS);
    await writes('graphql-normal', normal.base, body.graphql, PLAN.warmupSeconds, CONNECTIONS);
    await writes('graphql-upstream', upstream.base, body.graphql, PLAN.warmupSeconds, CONNECTIONS);
    // The raw update's warm-up also warms the raw echo's path (same process, same HTTP code).
    // --quick skips it (its minute's budget): the raw server is small and warms up within a round.
    if (rawServer && !QUICK) await rawWrites(PLAN.warmupSeconds);

    const m = {
      echo: [] as number[],
      graphql: [] as number[],
      two: [] as number[],
      rest: [] as number[],
      normal: [] as number[],
      upstream: [] as number[],
      rawEcho: [] as number[],
      raw: [] as number[],
    };
    const pw = { update: [] as number[], raw: [] as number[] };
    for (let round = 1; round <= PLAN.rounds; round++) {
      log(`round ${round}/${PLAN.rounds} …`);
      m.echo.push(await echo(PLAN.seconds));
      m.graphql.push(await writes('graphql', full.base, body.graphql, PLAN.seconds, CONNECTIONS));
      if (second)
        m.two.push(await writes('graphql-2', [full.base, second.base], body.graphql, PLAN.seconds, CONNECTIONS));
      m.rest.push(await writes('rest', full.base, body.rest, PLAN.seconds, CONNECTIONS));
      m.normal.push(await writes('graphql-normal', normal.base, body.graphql, PLAN.seconds, CONNECTIONS));
      m.upstream.push(await writes('graphql-upstream', upstream.base, body.graphql, PLAN.seconds, CONNECTIONS));
      if (rawServer) {
        m.rawEcho.push(await echo(PLAN.seconds, rawServer.base, body.rawEcho));
        m.raw.push(await rawWrites(PLAN.seconds));
      }
      pw.update.push(await writes('password', full.base, body.password, PLAN.passwordSeconds, PASSWORD_PARALLELISM));
      pw.raw.push(await bcryptRaw(PLAN.passwordSeconds, PASSWORD_PARALLELISM));
    }

    // Below saturation on every path it probes: the upstream-mode chain (two processes) is the slower one.
    const probeRate = Math.max(
      20,
      Math.min(200, Math.round(PROBE_SHARE * Math.min(median(m.graphql), median(m.upstream)))),
    );
    const idle: number[] = [];
    const loaded: number[] = [];
    const through: number[] = [];
    for (let round = 1; round <= PLAN.latencyRounds; round++) {
      log(`latency ${round}/${PLAN.latencyRounds} …`);
      idle.push(...(await probe(full.base, token, body.graphql, PLAN.latencySeconds, probeRate)));
      // The same probe through upstream mode right after: its added latency is against `idle`.
      through.push(...(await probe(upstream.base, token, body.graphql, PLAN.latencySeconds, probeRate)));
      const saturate = load(full.base, token, body.password, PLAN.latencySeconds + 1.5, PASSWORD_PARALLELISM);
      await new Promise((r) => setTimeout(r, 750));
      loaded.push(...(await probe(full.base, token, body.graphql, PLAN.latencySeconds, probeRate)));
      const s = await saturate;
      if (s.other > 0 || s.errors > 0) throw new Error(`password load: ${s.other} non-2xx, ${s.errors} errors`);
    }

    const rss = Math.max(...[full, normal, second].map((s) => (s ? peakRssMb(s.child.pid as number) : 0)));
    const result = {
      echo_rps: Math.round(median(m.echo)),
      graphql_update_rps: Math.round(median(m.graphql)),
      rest_update_rps: Math.round(median(m.rest)),
      password_update_rps: Number(median(pw.update).toFixed(1)),
      bcrypt_raw_rps: Number(median(pw.raw).toFixed(1)),
      p99_idle_ms: Number(percentile(idle, 99).toFixed(2)),
      p99_under_password_load_ms: Number(percentile(loaded, 99).toFixed(2)),
      rss_peak_mb: Math.round(rss),
      ready_ms: Math.round(full.readyMs),
      // The raw limit (SQLite; null on PostgreSQL).
      raw_update_rps: rawServer ? Math.round(median(m.raw)) : null,
      raw_echo_rps: rawServer ? Math.round(median(m.rawEcho)) : null,
    };
    const normalRps = Math.round(median(m.normal));
    const upstreamRps = Math.round(median(m.upstream));
    const added = (p: number) => percentile(through, p) - percentile(idle, p);

    const targets: [string, number, string, boolean][] = [
      ['graphql_update_rps / echo_rps', result.graphql_update_rps / result.echo_rps, '≥ 0.8', false],
      ['rest_update_rps / graphql_update_rps', result.rest_update_rps / result.graphql_update_rps, '≥ 1.0', false],
      ['password_update_rps / bcrypt_raw_rps', result.password_update_rps / result.bcrypt_raw_rps, '≥ 0.9', false],
      ['p99_under_password_load / p99_idle', result.p99_under_password_load_ms / result.p99_idle_ms, '≤ 3', false],
      ['rss_peak_mb', result.rss_peak_mb, '≤ 200', false],
      ['ready_ms', result.ready_ms, '≤ 1500', false],
    ];
    if (result.raw_update_rps) {
      targets.unshift(
        ['graphql_update_rps / raw_update_rps', result.graphql_update_rps / result.raw_update_rps, '≥ 0.40', false],
        ['rest_update_rps / raw_update_rps', result.rest_update_rps / result.raw_update_rps, '≥ 0.60', false],
      );
    }
    for (const t of targets) {
      const [op, limit] = t[2].split(' ') as [string, string];
      t[3] = op === '≥' ? t[1] >= Number(limit) : t[1] <= Number(limit);
    }

    const seconds = ((performance.now() - benchStart) / 1000).toFixed(0);
    const twoRps = Math.round(median(m.two));
    /** label, value, and the per-round figures with their decimals. */
    const rows: [string, string, number[]?, number?][] = [
      ['echo_rps (baseline, no database)', String(result.echo_rps), m.echo],
      [
        `graphql_update_rps (profile, ${db.durable.name}${second ? ', 1 instance' : ''})`,
        String(result.graphql_update_rps),
        m.graphql,
      ],
      [`rest_update_rps (profile, ${db.durable.name})`, String(result.rest_update_rps), m.rest],
      ['password_update_rps (cost 10)', String(result.password_update_rps), pw.update, 1],
      ['bcrypt_raw_rps (hash+verify pairs)', String(result.bcrypt_raw_rps), pw.raw, 1],
      ['p99_idle_ms (profile update, fixed rate)', String(result.p99_idle_ms)],
      ['p99_under_password_load_ms', String(result.p99_under_password_load_ms)],
      [
        '  p50 idle / under password load (ms)',
        `${percentile(idle, 50).toFixed(2)} / ${percentile(loaded, 50).toFixed(2)}`,
      ],
      ['rss_peak_mb', String(result.rss_peak_mb)],
      ['ready_ms', String(result.ready_ms)],
      ['upstream mode: graphql_update_rps (→ the gateway above as ZITADEL)', String(upstreamRps), m.upstream],
      [
        '  p50 / p99 direct vs through upstream mode (ms)',
        `${percentile(idle, 50).toFixed(2)} / ${percentile(idle, 99).toFixed(2)} vs ${percentile(through, 50).toFixed(2)} / ${percentile(through, 99).toFixed(2)}`,
      ],
    ];
    if (rawServer) {
      rows.splice(
        0,
        0,
        ['raw_echo_rps (node:http JSON echo, no database)', String(result.raw_echo_rps), m.rawEcho],
        [
          `raw_update_rps (the limit: node:http + better-sqlite3, ${db.durable.name})`,
          String(result.raw_update_rps),
          m.raw,
        ],
      );
    }
    if (second) {
      const label = `graphql_update_rps (2 instances, ${CONNECTIONS / 2} + ${CONNECTIONS / 2} connections)`;
      rows.splice(2, 0, [label, String(twoRps), m.two]);
    }
    const out: string[] = [];
    out.push('');
    out.push(
      `user-gateway benchmark (${QUICK ? 'quick' : 'full'}${POSTGRES ? ', PostgreSQL' : ''}: ${PLAN.rounds} round(s) × ${PLAN.seconds} s, ` +
        `${CONNECTIONS} connections, ${PASSWORD_PARALLELISM} concurrent password updates, latency probe ${probeRate} req/s, ` +
        `${PLAN.users} users, ${seconds} s in all; 1-min load average ${loadAtStart.toFixed(1)} at start, ` +
        `${(loadavg()[0] as number).toFixed(1)} at end on ${availableParallelism()} cores)`,
    );
    out.push('');
    out.push(`| metric | value | per round |`);
    out.push(`|---|---:|---|`);
    for (const [label, value, rounds, digits] of rows) {
      out.push(`| ${label} | ${value} | ${rounds?.map((v) => v.toFixed(digits ?? 0)).join(', ') ?? ''} |`);
    }
    out.push('');
    out.push(`| target | measured | wanted | met |`);
    out.push(`|---|---:|---|---|`);
    for (const [name, value, wanted, met] of targets) {
      out.push(
        `| ${name} | ${Number.isInteger(value) ? value : value.toFixed(2)} | ${wanted} | ${met ? 'yes' : 'NO'} |`,
      );
    }
    out.push('');
    const perRound = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    out.push(
      `durability (graphql_update_rps): ${db.durability(result.graphql_update_rps, normalRps, perRound(m.normal))}`,
    );
    if (second) {
      out.push(
        `scale-out (graphql_update_rps, ${CONNECTIONS} connections in all, DATABASE_POOL_SIZE=${POOL_SIZE} each): ` +
          `1 instance ${result.graphql_update_rps} req/s vs 2 instances ${twoRps} req/s, ` +
          `× ${(twoRps / result.graphql_update_rps).toFixed(2)} (per round: ${perRound(m.two)}); PostgreSQL, ` +
          `the gateways and the load generator share these ${availableParallelism()} cores`,
      );
    }
    out.push(
      `upstream mode (GraphQL profile update → upstream-mode gateway → gRPC → the gateway as ZITADEL): ` +
        `added latency p50 ${added(50).toFixed(2)} ms, p99 ${added(99).toFixed(2)} ms at ${probeRate} req/s; ` +
        `throughput ${upstreamRps} vs ${result.graphql_update_rps} req/s direct, × ${(upstreamRps / result.graphql_update_rps).toFixed(2)} ` +
        `(per round: ${perRound(m.upstream)}); both processes and the load generator share these ${availableParallelism()} cores`,
    );
    out.push(`verified writes (2xx answers, each matched by one event): ${verified.length} phases`);
    if (PROFILE) out.push(`CPU profiles of the gateway: ${profileDir}/*.cpuprofile (written when it stops)`);
    for (const server of servers) {
      const warnings = server.stderr.join('').trim();
      if (warnings) out.push(`${server.name} stderr: ${warnings.slice(0, 500)}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.allSettled(starting);
    await Promise.all(servers.map(stopServer));
    await db.drop();
    raw?.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
