// The user's event log as the read side shows it: the audit trail (pages of the log, by sequence)
// and live user events (a replay from a sequence, then every new event as it commits). Visibility is
// GetUserByID's (self, or user.read on the user's organization). Events are read from the log the
// write side appended (user-repository.ts); their payloads never hold a password, hash or code
// (change-set.ts and the sections decide what goes in).
import type { Viewer } from '../auth/permissions.js';
import { catalogued, type DomainError, Errors } from '../errors.js';
import { authorizeRead, isLiveHuman } from './authorize.js';
import type { UserEventBus } from './event-bus.js';
import type { User, UserEvent } from './model.js';
import type { UserStore } from './store.js';

export type { UserEvent } from './model.js';

/** Events per page when `first` is not given, and the most one page may hold. */
export const EVENT_PAGE_DEFAULT = 20;
export const EVENT_PAGE_MAX = 100;

export type EventOrder = 'oldest_first' | 'newest_first';

export interface EventPageQuery {
  userId: string;
  /** Page size, 1…EVENT_PAGE_MAX (default EVENT_PAGE_DEFAULT). */
  first?: number;
  /** A cursor from an earlier page: continue after that event, in `order`. */
  after?: string;
  order?: EventOrder;
}

export interface EventEdge {
  cursor: string;
  event: UserEvent;
}

export interface EventPage {
  edges: EventEdge[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const CURSOR_PREFIX = 'event:';

/** Opaque to clients: base64url of `event:<sequence>`. */
export function encodeEventCursor(sequence: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${sequence}`).toString('base64url');
}

/** A sequence written in decimal (0 or more, no sign, no leading zero, a safe integer), else undefined. */
function sequenceOf(digits: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return undefined;
  const sequence = Number(digits);
  return Number.isSafeInteger(sequence) ? sequence : undefined;
}

/** The sequence a cursor stands for; GATEWAY-CURSOR400 for anything this API did not give out. */
export function decodeEventCursor(cursor: string): number {
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw Errors.eventCursorInvalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sequence = text.startsWith(CURSOR_PREFIX) ? sequenceOf(text.slice(CURSOR_PREFIX.length)) : undefined;
  if (sequence === undefined) throw Errors.eventCursorInvalid();
  return sequence;
}

type EventStore = Pick<UserStore, 'readUser' | 'readEvents'>;

/** The user when `viewer` may read it, with GetUserByID's errors. */
export async function readableUser(store: EventStore, viewer: Viewer, userId: string): Promise<User> {
  const user = await store.readUser(userId);
  if (!isLiveHuman(user)) throw Errors.userNotFoundQuery();
  authorizeRead(viewer, user);
  return user;
}

/**
 * One page of the audit trail. Cursors are sequences, so a page stays stable while new events are
 * appended; the log has no gaps (1…user.sequence), which makes `hasPreviousPage` exact.
 */
export async function eventPage(store: EventStore, viewer: Viewer, query: EventPageQuery): Promise<EventPage> {
  const first = query.first ?? EVENT_PAGE_DEFAULT;
  if (!Number.isInteger(first) || first < 1 || first > EVENT_PAGE_MAX) throw Errors.eventPageSizeOutOfRange();
  const from = query.after === undefined ? undefined : decodeEventCursor(query.after);
  const user = await readableUser(store, viewer, query.userId);
  const order = query.order === 'newest_first' ? 'desc' : 'asc';
  const events = await store.readEvents(user.id, { order, limit: first + 1, ...(from !== undefined ? { from } : {}) });
  const page = events.slice(0, first);
  const head = page[0]?.sequence;
  const hasPreviousPage =
    head === undefined
      ? from !== undefined && (order === 'asc' ? from >= 1 : from <= user.sequence)
      : order === 'asc'
        ? head > 1
        : head < user.sequence;
  return {
    edges: page.map((event) => ({ cursor: encodeEventCursor(event.sequence), event })),
    hasNextPage: events.length > first,
    hasPreviousPage,
  };
}

// --- live user events --------------------------------------------------------------------------

/** What a live stream yields: the next event, or why it ends (the last item; then it is done). */
export type FeedItem = { event: UserEvent } | { end: DomainError };

/** Events read from the log per query while catching up. */
const FOLLOW_BATCH = 100;

/** The sequence a client asks to continue after; GATEWAY-SEQ400 for anything else. */
export function parseAfterSequence(value: string | undefined): number {
  if (value === undefined) return 0;
  const sequence = sequenceOf(value);
  if (sequence === undefined) throw Errors.eventSequenceInvalid();
  return sequence;
}

export interface EventFeedDeps {
  store: EventStore;
  bus: UserEventBus;
  /** The log is read at least this often, and the caller re-checked (token, visibility). */
  pollMs: number;
  /** Live streams open at once in this feed. */
  maxStreams: number;
}

export interface FollowRequest {
  userId: string;
  /** Replay events after this sequence (a string from the client; absent = from the start). */
  afterSequence?: string | undefined;
  /** Authenticates the caller anew (a revoked or expired token rejects). */
  reauthenticate: () => Promise<Viewer>;
}

/**
 * Live user events of one app: streams that replay a user's log after a sequence and then follow
 * it. Gapless and in order without duplicates: a stream listens on the bus BEFORE its first read,
 * and every read (on a notice, or on the poll that covers a lost one) takes everything after the
 * last sequence it delivered. Every stream re-checks its caller at least every `pollMs`; a refusal
 * ends the stream with that error. `stop()` ends them all (shutdown).
 */
export class UserEventFeed {
  private readonly streams = new Set<EventStream>();
  private stopping = false;

  constructor(private readonly deps: EventFeedDeps) {}

  /** Checks the request and the caller's right to read the user, takes a slot, answers the stream. */
  async follow(viewer: Viewer, request: FollowRequest): Promise<AsyncIterableIterator<FeedItem>> {
    const after = parseAfterSequence(request.afterSequence);
    if (this.stopping) throw Errors.subscriptionsStopping();
    await readableUser(this.deps.store, viewer, request.userId);
    if (this.streams.size >= this.deps.maxStreams) throw Errors.subscriptionLimit();
    if (this.stopping) throw Errors.subscriptionsStopping();
    const stream = new EventStream(this.deps, request, after, () => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Live streams open now. */
  get open(): number {
    return this.streams.size;
  }

  /** Ends every stream (each yields GATEWAY-SUB503 and completes) and refuses new ones. */
  stop(): void {
    this.stopping = true;
    for (const stream of this.streams) stream.end(Errors.subscriptionsStopping());
  }
}

class EventStream implements AsyncIterableIterator<FeedItem> {
  private readonly pending: FeedItem[] = [];
  private done = false;
  /** True when the log may hold events not read yet (a notice came, or the last batch was full). */
  private dirty = true;
  private wake: (() => void) | undefined;
  private readonly unfollow: () => void;
  private checkedAt = Date.now();

  constructor(
    private readonly deps: EventFeedDeps,
    private readonly request: FollowRequest,
    private last: number,
    private readonly onClose: () => void,
  ) {
    // Listen before the first read: a commit between the two is read, not missed.
    this.unfollow = deps.bus.follow(request.userId, (sequence) => {
      if (sequence <= this.last) return;
      this.dirty = true;
      this.wake?.();
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<FeedItem>> {
    for (;;) {
      const item = this.pending.shift();
      if (item) return { value: item, done: false };
      if (this.done) return { value: undefined, done: true };
      if (!this.dirty) await this.sleep();
      if (this.done) continue;
      try {
        if (Date.now() - this.checkedAt >= this.deps.pollMs) await this.recheck();
        // The poll woke us without a notice: read anyway (a notice may have been lost).
        this.dirty = false;
        const events = await this.deps.store.readEvents(this.request.userId, {
          order: 'asc',
          from: this.last,
          limit: FOLLOW_BATCH,
        });
        if (this.done) continue;
        if (events.length === FOLLOW_BATCH) this.dirty = true;
        for (const event of events) {
          this.pending.push({ event });
          this.last = event.sequence;
        }
      } catch (error) {
        const known = catalogued(error);
        if (!known) {
          this.close();
          throw error;
        }
        this.end(known);
      }
    }
  }

  async return(): Promise<IteratorResult<FeedItem>> {
    this.close();
    this.pending.length = 0;
    return { value: undefined, done: true };
  }

  /** Ends the stream with `error` as its last item. */
  end(error: DomainError): void {
    if (this.done) return;
    this.pending.push({ end: error });
    this.close();
  }

  /** The caller still has a valid token and may still read the user. */
  private async recheck(): Promise<void> {
    const viewer = await this.request.reauthenticate();
    await readableUser(this.deps.store, viewer, this.request.userId);
    this.checkedAt = Date.now();
  }

  /** Until a notice, the poll interval, or the end. */
  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.deps.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.unfollow();
    this.onClose();
    this.wake?.();
  }
}
