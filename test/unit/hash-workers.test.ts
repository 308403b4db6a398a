// The low-priority hashing threads (src/domain/users/hash-workers.ts): same answers as bcrypt,
// bounded parallelism, lowered priority, and a clean close.
import { readdirSync, readFileSync } from 'node:fs';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { afterEach, describe, expect, it } from 'vitest';
import { type WorkerHasher, workerBcryptHasher } from '../../src/domain/users/hash-workers.js';

const opened: WorkerHasher[] = [];
function pool(threads: number, nice?: number): WorkerHasher {
  const hasher = workerBcryptHasher(4, { threads, ...(nice === undefined ? {} : { nice }) });
  opened.push(hasher);
  return hasher;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((h) => h.close()));
});

/** Niceness of every thread of this process, by thread name (Linux /proc). */
function threadNiceness(): { tid: number; name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // Fields after the name: state is field 3, nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ tid: Number(tid), name, nice: Number(fields[16]) }];
    } catch {
      return [];
    }
  });
}

describe('workerBcryptHasher', () => {
  it('hashes with the configured cost, readable by bcrypt itself, and verifies', async () => {
    const hasher = pool(2);
    const encoded = await hasher.hash('Password1!');
    expect(encoded).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
    expect(await bcryptVerify('Password1!', encoded)).toBe(true);
    expect(await hasher.verify('Password1!', encoded)).toBe(true);
    expect(await hasher.verify('password1!', encoded)).toBe(false);
  });

  it('answers false for a stored hash bcrypt cannot read', async () => {
    const hasher = pool(1);
    expect(await hasher.verify('Password1!', 'not-a-hash')).toBe(false);
    expect(await hasher.verify('Password1!', '')).toBe(false);
    // The thread survives it.
    expect(await hasher.verify('a', await hasher.hash('a'))).toBe(true);
  });

  it('keeps each answer with its own request when many run at once', async () => {
    const hasher = pool(2);
    const passwords = Array.from({ length: 12 }, (_, i) => `Pw-${i}-x!`);
    const hashes = await Promise.all(passwords.map((p) => hasher.hash(p)));
    expect(new Set(hashes).size).toBe(12);
    const checks = await Promise.all(
      passwords.flatMap((p, i) => [
        hasher.verify(p, hashes[i] as string),
        hasher.verify(p, hashes[(i + 1) % 12] as string),
      ]),
    );
    expect(checks).toEqual(passwords.flatMap(() => [true, false]));
  });

  it('runs at most `threads` jobs at once; the rest wait in order', async () => {
    const hasher = pool(1);
    const jobs = [hasher.hash('one'), hasher.hash('two'), hasher.hash('three')];
    expect(hasher.queued).toBe(2);
    const [one, two, three] = await Promise.all(jobs);
    expect(hasher.queued).toBe(0);
    expect(await Promise.all([hasher.verify('one', one as string), hasher.verify('two', two as string)])).toEqual([
      true,
      true,
    ]);
    expect(await hasher.verify('three', three as string)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('hashes on threads at nice 19, leaving the main thread alone', async () => {
    const before = threadNiceness();
    const hasher = pool(2);
    await Promise.all([hasher.hash('a'), hasher.hash('b')]);
    const after = threadNiceness();
    const main = after.find((t) => t.tid === process.pid);
    expect(main?.nice).toBe(0);
    // Two new threads at 19 (the hashing threads), none at 19 before.
    expect(before.filter((t) => t.nice === 19)).toHaveLength(0);
    expect(after.filter((t) => t.nice === 19).length).toBe(2);
  });

  it('with nice 0, hashing threads keep normal priority', async () => {
    const hasher = pool(1, 0);
    expect(await hasher.verify('a', await hasher.hash('a'))).toBe(true);
    expect(threadNiceness().filter((t) => t.nice === 19)).toHaveLength(0);
  });

  it('close() fails waiting jobs and refuses new ones, and never counts them as a wrong password', async () => {
    const hasher = pool(1);
    const encoded = await hasher.hash('x');
    const outcome = (p: Promise<unknown>) =>
      p.then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      );
    const running = outcome(hasher.hash('one'));
    const waiting = outcome(hasher.verify('x', encoded));
    await hasher.close();
    expect(await waiting).toEqual({ error: 'password hasher is closed' });
    expect(await running).toEqual({ error: expect.stringMatching(/hashing thread exited|closed/) });
    await expect(hasher.hash('two')).rejects.toThrow('password hasher is closed');
    await expect(hasher.verify('x', encoded)).rejects.toThrow('password hasher is closed');
  });
});
