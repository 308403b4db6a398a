// The event feed's rules without a database: cursors, and the live stream's ordering against
// commits that race its reads, its end on a refused re-check, its slots and its stop.
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/domain/auth/permissions.js';
import { DomainError, Errors } from '../../../src/domain/errors.js';
import { UserEventBus } from '../../../src/domain/users/event-bus.js';
import {
  decodeEventCursor,
  encodeEventCursor,
  type FeedItem,
  parseAfterSequence,
  UserEventFeed,
} from '../../../src/domain/users/event-feed.js';
import type { EventRange, User, UserEvent } from '../../../src/domain/users/model.js';

const alice = { id: 'alice', orgId: 'acme', kind: 'human', state: 'active', sequence: 1 } as User;
const self: Viewer = { userId: 'alice', orgId: 'acme', grants: [] };

/** A log in memory whose reads can be held at a gate (to let a commit land during a read). */
class Log {
  readonly events: UserEvent[] = [];
  gate: Promise<void> | undefined;
  reads = 0;
  constructor(readonly bus: UserEventBus) {}
  append(count = 1) {
    for (let i = 0; i < count; i++) {
      const sequence = this.events.length + 1;
      this.events.push({ sequence, type: 'profile.changed', creationDate: '', creator: 'x', payload: { i: sequence } });
    }
    this.bus.committed('alice', this.events.length);
  }
  async readUser() {
    return alice;
  }
  async readEvents(_userId: string, range: EventRange) {
    this.reads++;
    const snapshot = this.events.filter((e) => e.sequence > (range.from ?? 0)).slice(0, range.limit);
    await this.gate;
    return snapshot;
  }
}

function feedOn(log: Log, maxStreams = 10, pollMs = 60_000) {
  return new UserEventFeed({ store: log, bus: log.bus, pollMs, maxStreams });
}

async function take(stream: AsyncIterator<FeedItem>, n: number): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for (let i = 0; i < n; i++) {
    const { value, done } = await stream.next();
    if (done) break;
    items.push(value);
  }
  return items;
}
const sequences = (items: FeedItem[]) => items.map((i) => ('event' in i ? i.event.sequence : -1));

describe('event cursors', () => {
  it('round-trip a sequence and refuse anything this API did not give out', () => {
    for (const n of [0, 1, 42, 2 ** 40]) expect(decodeEventCursor(encodeEventCursor(n))).toBe(n);
    for (const bad of ['', '***', 'ZXZlbnQ6', Buffer.from('event:01').toString('base64url'), 'x'.repeat(100)]) {
      expect(() => decodeEventCursor(bad)).toThrow(DomainError);
    }
    expect(parseAfterSequence(undefined)).toBe(0);
    expect(parseAfterSequence('17')).toBe(17);
    for (const bad of ['-1', '1.5', 'abc', '99999999999999999']) {
      expect(() => parseAfterSequence(bad)).toThrow(expect.objectContaining({ id: 'GATEWAY-SEQ400' }));
    }
  });
});

describe('UserEventFeed', () => {
  it('delivers a commit that lands during the replay read once, after the replay, in order', async () => {
    const log = new Log(new UserEventBus());
    log.append(2);
    let open: () => void = () => {};
    log.gate = new Promise((resolve) => {
      open = resolve;
    });
    const stream = await feedOn(log).follow(self, { userId: 'alice', reauthenticate: async () => self });
    const first = stream.next();
    await Promise.resolve();
    log.append(1); // commits while the replay read (which saw 1, 2) is held
    open();
    log.gate = undefined;
    const items = [(await first).value as FeedItem, ...(await take(stream, 2))];
    expect(sequences(items)).toEqual([1, 2, 3]);
    await stream.return?.();
  });

  it('ends a waiting stream at once on return(), and stops following the user', async () => {
    const bus = new UserEventBus();
    const log = new Log(bus);
    log.append(1);
    const stream = await feedOn(log).follow(self, { userId: 'alice', reauthenticate: async () => self });
    expect(sequences(await take(stream, 1))).toEqual([1]);
    const waiting = stream.next();
    expect(bus.followedUsers).toBe(1);
    await stream.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(bus.followedUsers).toBe(0);
  });

  it('ends with the re-check error as its last item when the token is refused', async () => {
    const log = new Log(new UserEventBus());
    log.append(1);
    let valid = true;
    const stream = await feedOn(log, 10, 20).follow(self, {
      userId: 'alice',
      reauthenticate: async () => {
        if (!valid) throw Errors.tokenInvalid();
        return self;
      },
    });
    expect(sequences(await take(stream, 1))).toEqual([1]);
    valid = false;
    const last = await stream.next();
    expect(last.value).toEqual({ end: expect.objectContaining({ id: 'AUTH-7fs1e' }) });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('refuses streams past its limit and, stopped, ends every stream and takes no new one', async () => {
    const log = new Log(new UserEventBus());
    const feed = feedOn(log, 2);
    const follow = () => feed.follow(self, { userId: 'alice', reauthenticate: async () => self });
    const a = await follow();
    const b = await follow();
    await expect(follow()).rejects.toMatchObject({ id: 'GATEWAY-SUB429' });
    await a.return?.();
    const c = await follow();
    expect(feed.open).toBe(2);
    feed.stop();
    for (const stream of [b, c]) {
      expect((await stream.next()).value).toEqual({ end: expect.objectContaining({ id: 'GATEWAY-SUB503' }) });
      expect((await stream.next()).done).toBe(true);
    }
    expect(feed.open).toBe(0);
    await expect(follow()).rejects.toMatchObject({ id: 'GATEWAY-SUB503' });
  });

  it('refuses a viewer who may not read the user before taking a slot', async () => {
    const log = new Log(new UserEventBus());
    const feed = feedOn(log, 1);
    const stranger: Viewer = { userId: 'mallory', orgId: 'other', grants: [] };
    await expect(
      feed.follow(stranger, { userId: 'alice', reauthenticate: async () => stranger }),
    ).rejects.toMatchObject({ id: 'AUTHZ-cdgFk' });
    expect(feed.open).toBe(0);
  });
});
