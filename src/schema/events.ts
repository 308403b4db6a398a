// The user's event log on GraphQL: HumanUser.events (the audit trail, a Relay-style connection
// paginated by sequence) and subscription userEvents (live user events, over SSE and WebSocket).
// GraphQL only: REST and gRPC have no upstream equivalent.
import type { EventOrder, EventPage, FeedItem, UserEvent } from '../operations.js';
import { builder } from './builder.js';
import { HumanUserRef } from './user.js';

export const UserEventRef = builder.objectRef<UserEvent>('UserEvent').implement({
  description:
    "One entry of a user's event log: what changed, when, by whom. Payloads never carry a password, hash or code.",
  fields: (t) => ({
    type: t.exposeString('type', {
      description: 'What happened, e.g. `user.created`, `profile.changed`, `email.changed`, `password.changed`.',
    }),
    sequence: t.string({
      description:
        "The event's position in the user's log (uint64 as a string): 1 for the creation, then +1 per event.",
      resolve: (e) => String(e.sequence),
    }),
    creationDate: t.field({
      type: 'DateTime',
      description: 'When the event was written.',
      resolve: (e) => e.creationDate,
    }),
    creator: t.id({ description: 'The user id of whoever made the change.', resolve: (e) => e.creator }),
    payload: t.field({
      type: 'JSON',
      description:
        'What the event recorded, as a JSON object (e.g. the changed profile fields, the new email); never a secret.',
      resolve: (e) => e.payload,
    }),
  }),
});

const UserEventEdgeRef = builder.objectRef<EventPage['edges'][number]>('UserEventEdge').implement({
  description: 'An event with its cursor.',
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque; pass it as `after` to continue after this event.',
      resolve: (e) => e.cursor,
    }),
    node: t.field({ type: UserEventRef, description: 'The event.', resolve: (e) => e.event }),
  }),
});

const PageInfoRef = builder.objectRef<EventPage>('PageInfo').implement({
  description: 'Where a page of a connection stands (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', {
      description: 'Whether more items follow this page in the chosen order.',
    }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'Whether items precede this page in the chosen order.',
    }),
    startCursor: t.string({
      nullable: true,
      description: "The first edge's cursor; null on an empty page.",
      resolve: (p) => p.edges[0]?.cursor ?? null,
    }),
    endCursor: t.string({
      nullable: true,
      description: "The last edge's cursor (pass it as `after` for the next page); null on an empty page.",
      resolve: (p) => p.edges.at(-1)?.cursor ?? null,
    }),
  }),
});

const UserEventConnectionRef = builder.objectRef<EventPage>('UserEventConnection').implement({
  description: "A page of a user's event log.",
  fields: (t) => ({
    edges: t.field({
      type: [UserEventEdgeRef],
      description: 'The events of this page, in order.',
      resolve: (p) => p.edges,
    }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Cursors and whether more pages exist.', resolve: (p) => p }),
  }),
});

export const EventOrderEnum = builder.enumType('EventOrder', {
  description: 'In which order to read an event log.',
  values: {
    OLDEST_FIRST: { value: 'oldest_first' as EventOrder, description: 'Ascending sequence (the default).' },
    NEWEST_FIRST: { value: 'newest_first' as EventOrder, description: 'Descending sequence: the latest change first.' },
  } as const,
});

builder.objectField(HumanUserRef, 'events', (t) =>
  t.field({
    type: UserEventConnectionRef,
    description:
      "The user's event log (the audit trail), paginated by sequence; visible to the user itself and to callers with `user.read` on its organization. Not available in upstream mode (GATEWAY-UPSTREAM501).",
    args: {
      first: t.arg.int({
        description: 'Events per page, 1–100 (default 20); otherwise INVALID_ARGUMENT `GATEWAY-FIRST400`.',
      }),
      after: t.arg.string({
        description:
          "Continue after this cursor (an edge's `cursor` or `pageInfo.endCursor`, in the same order); an unknown cursor is INVALID_ARGUMENT `GATEWAY-CURSOR400`.",
      }),
      order: t.arg({ type: EventOrderEnum, description: 'Oldest first (default) or newest first.' }),
    },
    resolve: (user, args, ctx) =>
      ctx.operations.userEventPage({
        userId: user.id,
        ...(args.first != null ? { first: args.first } : {}),
        ...(args.after != null ? { after: args.after } : {}),
        ...(args.order != null ? { order: args.order } : {}),
      }),
  }),
);

builder.subscriptionField('userEvents', (t) =>
  t.field({
    type: UserEventRef,
    description:
      "Live user events: first the user's events after `afterSequence` from its log, then each new event as it commits — gapless, in order, without duplicates. Visible as `userById`; the stream ends with an error when the token is revoked or expires (checked at least every SUBSCRIPTION_POLL_MS) or the gateway stops (UNAVAILABLE `GATEWAY-SUB503`). Over SSE (`Accept: text/event-stream`) or WebSocket (`graphql-transport-ws`). Not in upstream mode (`GATEWAY-UPSTREAM501`).",
    args: {
      userId: t.arg.id({ required: true, description: 'The user whose events to follow.' }),
      afterSequence: t.arg.string({
        description:
          'Replay only events after this sequence (the last one the client saw; uint64 as a string). Absent: the whole log from sequence 1. Not a whole number: INVALID_ARGUMENT `GATEWAY-SEQ400`.',
      }),
    },
    subscribe: (_root, args, ctx) => ctx.operations.followUserEvents(args.userId, args.afterSequence ?? undefined),
    resolve: (item: FeedItem) => {
      if ('end' in item) throw item.end;
      return item.event;
    },
  }),
);
