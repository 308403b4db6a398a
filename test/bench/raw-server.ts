// The benchmark's raw limit (issue 17): the durable work of a profile update and nothing else, on
// plain node:http + better-sqlite3 — the denominator of `graphql_update_rps / raw_update_rps`.
//
//   PUT /v2/users/human/{id}  {"profile":{"givenName":…,"familyName":…}}, Authorization: Bearer <token>
//     1. the token's SHA-256 → the token, its user and the user's role grants in one read
//        (the gateway's statement: access_tokens ⨝ users ⟕ role_grants);
//     2. the user row (select * from users where id = ?);
//     3. the changed fields → at the end of the event loop's turn, for every request of that turn in
//        one transaction (group commit, WAL, synchronous=FULL): the guarded
//        `UPDATE users … WHERE id = ? AND sequence = ?` and the `profile.changed` event INSERT with
//        the gateway's columns and payload shape (the changed fields); a guard that misses (another
//        request of the same batch changed the user) re-reads and retries inside the transaction;
//     4. after the COMMIT: 200 {"details":{"sequence","changeDate","resourceOwner"}}.
//   POST /echo  the same JSON in and a details object out, no database (raw_echo_rps).
//   GET /health 200.
// Bad input gets a plain 4xx; this is a yardstick, not a second gateway. Started by run.ts on a
// copy of the run's database: DATABASE_URL=<file> PORT=… node --import tsx test/bench/raw-server.ts
import { hash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import SQLite from 'better-sqlite3';

const file = process.env.DATABASE_URL;
if (!file) throw new Error('DATABASE_URL (an SQLite file) is required');
const db = new SQLite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');

const tokenGrants = db.prepare(
  `select access_tokens.expires_at, access_tokens.revoked_at, users.id as user_id, users.org_id, users.state,
     users.preferred_language, role_grants.role, role_grants.org_id as grant_org_id
   from access_tokens inner join users on users.id = access_tokens.user_id
   left join role_grants on role_grants.user_id = users.id
   where access_tokens.token_hash = ?`,
);
const readUser = db.prepare('select * from users where id = ?');
const updateUser = db.prepare(
  'update users set given_name = ?, family_name = ?, sequence = ?, change_date = ? where id = ? and sequence = ?',
);
const insertEvent = db.prepare(
  `insert into user_events (user_id, sequence, type, payload, creator, resource_owner, created_at)
   values (?, ?, ?, ?, ?, ?, ?)`,
);
const begin = db.prepare('begin');
const commit = db.prepare('commit');
const rollback = db.prepare('rollback');

interface UserRow {
  id: string;
  org_id: string;
  state: string;
  given_name: string;
  family_name: string;
  sequence: number;
}
interface Profile {
  givenName: string;
  familyName: string;
}
interface Pending {
  user: UserRow;
  profile: Profile;
  creator: string;
  response: ServerResponse;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function answer(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function readBody(request: IncomingMessage, done: (text: string) => void) {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

/** Every update that arrived in this turn of the event loop: one transaction, one fsync. */
let queue: Pending[] = [];

function flush() {
  const batch = queue;
  queue = [];
  const now = new Date().toISOString();
  const outcomes: (UserRow | undefined)[] = [];
  try {
    begin.run();
    for (const item of batch) {
      let user: UserRow | undefined = item.user;
      for (let attempt = 0; user && attempt < 3; attempt++) {
        const changed: Record<string, string> = {};
        if (item.profile.givenName !== user.given_name) changed.givenName = item.profile.givenName;
        if (item.profile.familyName !== user.family_name) changed.familyName = item.profile.familyName;
        if (Object.keys(changed).length === 0) break;
        const sequence = user.sequence + 1;
        const guarded = updateUser.run(
          item.profile.givenName,
          item.profile.familyName,
          sequence,
          now,
          user.id,
          user.sequence,
        );
        if (guarded.changes === 1) {
          insertEvent.run(
            user.id,
            sequence,
            'profile.changed',
            JSON.stringify(changed),
            item.creator,
            user.org_id,
            now,
          );
          user = { ...user, sequence };
          break;
        }
        user = readUser.get(user.id) as UserRow | undefined;
      }
      outcomes.push(user);
    }
    commit.run();
  } catch (error) {
    if (db.inTransaction) rollback.run();
    for (const item of batch) answer(item.response, 500, { message: String(error) });
    return;
  }
  batch.forEach((item, i) => {
    const user = outcomes[i];
    if (!user) answer(item.response, 409, { message: 'conflict' });
    else
      answer(item.response, 200, {
        details: { sequence: String(user.sequence), changeDate: now, resourceOwner: user.org_id },
      });
  });
}

function update(request: IncomingMessage, response: ServerResponse, userId: string) {
  readBody(request, (text) => {
    const authorization = request.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) return answer(response, 401, { message: 'unauthenticated' });
    const grants = tokenGrants.all(hash('sha256', authorization.slice(7), 'hex')) as {
      revoked_at: string | null;
      expires_at: string | null;
      user_id: string;
      state: string;
      role: string | null;
    }[];
    const viewer = grants[0];
    const expired = viewer?.expires_at != null && viewer.expires_at <= new Date().toISOString();
    if (
      !viewer ||
      viewer.revoked_at ||
      expired ||
      ['deleted', 'locked', 'inactive'].includes(viewer.state) ||
      !grants.some((g) => g.role === 'IAM_OWNER')
    ) {
      return answer(response, 401, { message: 'unauthenticated' });
    }
    let profile: Profile;
    try {
      profile = (JSON.parse(text) as { profile: Profile }).profile;
    } catch {
      return answer(response, 400, { message: 'invalid JSON' });
    }
    if (typeof profile?.givenName !== 'string' || typeof profile.familyName !== 'string') {
      return answer(response, 400, { message: 'profile.givenName and profile.familyName are required' });
    }
    const user = readUser.get(userId) as UserRow | undefined;
    if (!user) return answer(response, 404, { message: 'user not found' });
    if (queue.length === 0) setImmediate(flush);
    queue.push({ user, profile, creator: viewer.user_id, response });
  });
}

const PREFIX = '/v2/users/human/';

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  if (request.method === 'PUT' && url.startsWith(PREFIX)) return update(request, response, url.slice(PREFIX.length));
  if (request.method === 'POST' && url === '/echo') {
    return readBody(request, (text) => {
      try {
        const { profile } = JSON.parse(text) as { profile: Profile };
        answer(response, 200, {
          details: { sequence: '2', changeDate: new Date().toISOString(), resourceOwner: profile.givenName },
        });
      } catch {
        answer(response, 400, { message: 'invalid JSON' });
      }
    });
  }
  if (url === '/health') return answer(response, 200, {});
  answer(response, 404, { message: 'not found' });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    db.close();
    process.exit(0);
  });
});
