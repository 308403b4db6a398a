// Durability: the gateway as a child process on a temp SQLite file, under a steady update load,
// is killed with SIGKILL mid-stream and restarted — several times. Every update acknowledged
// with 200 must be there afterwards, the row must agree with the events, and SQLite's
// integrity check must pass.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, seedWithCli } from '../support/processes.js';

const KILLS = 3;
const WRITERS = 4;

const dir = mkdtempSync(join(tmpdir(), 'gw-durability-'));
const dbPath = join(dir, 'db.sqlite');
const env = { ...process.env, DATABASE_URL: dbPath, PASSWORD_HASH_COST: '4', LOG_LEVEL: 'warn', NODE_ENV: 'test' };
let child: ChildProcess | undefined;
let userId: string;
let token: string;

async function start(): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return base;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('gateway did not become ready');
}

async function kill(): Promise<void> {
  const running = child;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  ({ userId, token } = await seedWithCli(env));
}, 30_000);

afterAll(async () => {
  await kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('durability under SIGKILL', () => {
  it(`keeps every acknowledged update across ${KILLS} kills mid-stream; row and events agree; integrity ok`, async () => {
    const acknowledged = new Map<string, string>(); // given name → acknowledged sequence
    let attempted = 0;
    for (let round = 0; round < KILLS; round++) {
      const base = await start();
      let stop = false;
      const writer = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const givenName = `r${round}-w${n}-${i}`;
          attempted++;
          try {
            const response = await fetch(`${base}/v2/users/human/${userId}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ profile: { givenName, familyName: 'Durable' } }),
            });
            const body = (await response.json()) as { details: { sequence: string } };
            if (response.status === 200) acknowledged.set(givenName, body.details.sequence);
          } catch {
            return; // the process is gone: this request's outcome is unknown
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, n) => writer(n));
      // Kill once this round has some acknowledged writes, while the writers keep going.
      const target = acknowledged.size + 20;
      while (acknowledged.size < target) await new Promise((r) => setTimeout(r, 5));
      await kill();
      stop = true;
      await Promise.all(writers);
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILLS * 20);

    // After the last kill: the database opens, passes its integrity check, and holds every ack.
    const raw = new SQLite(dbPath);
    try {
      expect(raw.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const events = raw
        .prepare('select sequence, type, payload from user_events where user_id = ? order by sequence')
        .all(userId) as { sequence: number; type: string; payload: string }[];
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      const bySequence = new Map(events.map((e) => [String(e.sequence), e]));
      for (const [givenName, sequence] of acknowledged) {
        const event = bySequence.get(sequence);
        expect(event?.type, `acknowledged update ${givenName}@${sequence}`).toBe('profile.changed');
        expect(JSON.parse(event?.payload ?? '{}').givenName).toBe(givenName);
      }
      const row = raw.prepare('select sequence, given_name from users where id = ?').get(userId) as {
        sequence: number;
        given_name: string;
      };
      const last = events.at(-1);
      expect(row.sequence).toBe(last?.sequence);
      expect(row.given_name).toBe(JSON.parse(last?.payload ?? '{}').givenName);
      // Nothing beyond what was attempted: no phantom writes.
      expect(events.length - 1).toBeLessThanOrEqual(attempted);
    } finally {
      raw.close();
    }

    // And the restarted gateway serves the same state.
    const base = await start();
    const response = await fetch(`${base}/v2/users/${userId}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as {
      details: { sequence: string };
      user: { human: { profile: { givenName: string } } };
    };
    expect(response.status).toBe(200);
    const raw2 = new SQLite(dbPath, { readonly: true });
    const row = raw2.prepare('select sequence, given_name from users where id = ?').get(userId) as {
      sequence: number;
      given_name: string;
    };
    raw2.close();
    expect(body.details.sequence).toBe(String(row.sequence));
    expect(response.headers.get('etag')).toBe(`"${row.sequence}"`);
    expect(body.user.human.profile.givenName).toBe(row.given_name);
    await kill();
  }, 60_000);
});
