// The user's event log as the read side shows it: the audit trail (pages of the log, by sequence).
// Visibility is GetUserByID's (self, or user.read on the user's organization). Events are read from
// the log the write side appended (user-repository.ts); their payloads never hold a password, hash
// or code (change-set.ts and the sections decide what goes in).
import type { Viewer } from '../auth/permissions.js';
import { Errors } from '../errors.js';
import { authorizeRead, isLiveHuman } from './authorize.js';
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

/** The sequence a cursor stands for; GATEWAY-CURSOR400 for anything this API did not give out. */
export function decodeEventCursor(cursor: string): number {
  if (cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw Errors.eventCursorInvalid();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) throw Errors.eventCursorInvalid();
  const sequence = Number(digits);
  if (!Number.isSafeInteger(sequence)) throw Errors.eventCursorInvalid();
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
