// PostgreSQL: a change set written by ONE statement (data-modifying CTEs), so an update costs one
// round trip instead of BEGIN, UPDATE, INSERT…, COMMIT (issue 17.4). A single statement is atomic
// on its own: every part is written, or (any error) none.
//
//   with u as (update users set … where id = $id and sequence = $read returning id)   -- the guard
//        e as (insert into user_events … select … from u, unnest($sequences, $types, $payloads))
//      [ d as (delete from verification_codes where user_id in (select id from u) and kind = any($kinds)) ]
//      [ c as (insert into verification_codes … from u, unnest(…) on conflict (user_id, kind) do update …) ]
//      [ o as (insert into notification_outbox … from u, unnest(…)) ]
//   select id from u
//
// Every other part reads `u`, so when the guard matches no row (another write moved the sequence
// on, or the user is gone) nothing at all is written and the statement answers no row: the
// caller's 'conflict'. A code that must be consumed is a second condition of the guard (it must
// still be pending), and its row goes with the deleted kinds. Every write of a code or of a user's
// columns moves the user's sequence on, so a concurrent consumer of the same code meets the guard.
// The parts of one statement see the same snapshot and must not touch one row twice: a kind that
// is set is therefore not also deleted (the upsert replaces it: the same end state as the
// transaction's delete-then-upsert).
//
// The SQL depends only on which columns are set and which parts are present (its shape); it is
// built once per shape and only the parameter list is bound per call (like src/db/precompiled.ts).
import { CompiledQuery } from 'kysely';
import { preparedText } from '../../db/prepared-names.js';
import type { ChangeSet } from './store.js';

const byShape = new Map<string, string>();

const ident = (name: string) => {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`unexpected column name ${name}`);
  return `"${name}"`;
};

/**
 * The statement that writes `change` (the user at `change.user.sequence`) as of `now`; `newId`
 * names each outbox message.
 */
export function oneStatementWrite(change: ChangeSet, now: string, newId: () => string): CompiledQuery<{ id: string }> {
  const { user, events, columns } = change;
  const setKinds = new Set(change.setCodes.map((c) => c.kind));
  const deleteKinds = [
    ...new Set([...change.deleteCodes, ...(change.consumeCode ? [change.consumeCode.kind] : [])]),
  ].filter((kind) => !setKinds.has(kind));
  const setColumns = Object.keys(columns).filter((k) => (columns as Record<string, unknown>)[k] !== undefined);
  const shape = [
    setColumns.join(','),
    change.consumeCode ? 'consume' : '',
    deleteKinds.length > 0 ? 'delete' : '',
    change.setCodes.length > 0 ? 'codes' : '',
    change.outbox.length > 0 ? 'outbox' : '',
  ].join('|');

  const parameters: unknown[] = [];
  const bind = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  // Bound in the same order as the SQL below names them (the SQL is only built for a new shape).
  const p = {
    set: setColumns.map((k) => bind((columns as Record<string, unknown>)[k])),
    sequence: bind(user.sequence + events.length),
    now: bind(now),
    id: bind(user.id),
    read: bind(user.sequence),
    consumeKind: change.consumeCode ? bind(change.consumeCode.kind) : '',
    consumeHash: change.consumeCode ? bind(change.consumeCode.codeHash) : '',
    eventSequences: bind(events.map((_, i) => user.sequence + i + 1)),
    eventTypes: bind(events.map((e) => e.type)),
    eventPayloads: bind(events.map((e) => JSON.stringify(e.payload))),
    creator: bind(change.creator),
    owner: bind(user.orgId),
    deleteKinds: deleteKinds.length > 0 ? bind(deleteKinds) : '',
    codeKinds: change.setCodes.length > 0 ? bind(change.setCodes.map((c) => c.kind)) : '',
    codeHashes: change.setCodes.length > 0 ? bind(change.setCodes.map((c) => c.codeHash)) : '',
    codeTemplates: change.setCodes.length > 0 ? bind(change.setCodes.map((c) => c.urlTemplate)) : '',
    codeExpiries: change.setCodes.length > 0 ? bind(change.setCodes.map((c) => c.expiresAt)) : '',
    outboxIds: change.outbox.length > 0 ? bind(change.outbox.map(() => newId())) : '',
    outboxKinds: change.outbox.length > 0 ? bind(change.outbox.map((m) => m.kind)) : '',
    outboxChannels: change.outbox.length > 0 ? bind(change.outbox.map((m) => m.channel)) : '',
    outboxRecipients: change.outbox.length > 0 ? bind(change.outbox.map((m) => m.recipient)) : '',
    outboxLanguages: change.outbox.length > 0 ? bind(change.outbox.map((m) => m.language)) : '',
    outboxPayloads: change.outbox.length > 0 ? bind(change.outbox.map((m) => JSON.stringify(m.payload))) : '',
  };

  let text = byShape.get(shape);
  if (text === undefined) {
    const set = setColumns.map((k, i) => `${ident(k)} = ${p.set[i]}`);
    const parts = [
      `u as (update users set ${[...set, `"sequence" = ${p.sequence}`, `"change_date" = ${p.now}`].join(', ')}` +
        ` where "id" = ${p.id} and "sequence" = ${p.read}` +
        (change.consumeCode
          ? ` and exists (select 1 from verification_codes where "user_id" = ${p.id}` +
            ` and "kind" = ${p.consumeKind} and "code_hash" = ${p.consumeHash})`
          : '') +
        ' returning "id")',
      `e as (insert into user_events ("user_id", "sequence", "type", "payload", "creator", "resource_owner", "created_at")` +
        ` select u."id", v."sequence", v."type", v."payload", ${p.creator}, ${p.owner}, ${p.now}` +
        ` from u, unnest(${p.eventSequences}::integer[], ${p.eventTypes}::text[], ${p.eventPayloads}::text[])` +
        ' as v("sequence", "type", "payload"))',
    ];
    if (deleteKinds.length > 0) {
      parts.push(
        `d as (delete from verification_codes where "user_id" in (select "id" from u) and "kind" = any(${p.deleteKinds}::text[]))`,
      );
    }
    if (change.setCodes.length > 0) {
      parts.push(
        `c as (insert into verification_codes ("user_id", "kind", "code_hash", "url_template", "created_at", "expires_at")` +
          ` select u."id", v."kind", v."code_hash", v."url_template", ${p.now}, v."expires_at"` +
          ` from u, unnest(${p.codeKinds}::text[], ${p.codeHashes}::text[], ${p.codeTemplates}::text[], ${p.codeExpiries}::text[])` +
          ' as v("kind", "code_hash", "url_template", "expires_at")' +
          ' on conflict ("user_id", "kind") do update set "code_hash" = excluded."code_hash",' +
          ' "url_template" = excluded."url_template", "created_at" = excluded."created_at", "expires_at" = excluded."expires_at")',
      );
    }
    if (change.outbox.length > 0) {
      parts.push(
        `o as (insert into notification_outbox ("id", "user_id", "org_id", "kind", "channel", "recipient", "language",` +
          ` "payload", "next_attempt_at", "claimed_by", "claimed_at", "last_error", "created_at", "sent_at")` +
          ` select v."id", u."id", ${p.owner}, v."kind", v."channel", v."recipient", v."language", v."payload",` +
          ` ${p.now}, null, null, null, ${p.now}, null` +
          ` from u, unnest(${p.outboxIds}::text[], ${p.outboxKinds}::text[], ${p.outboxChannels}::text[],` +
          ` ${p.outboxRecipients}::text[], ${p.outboxLanguages}::text[], ${p.outboxPayloads}::text[])` +
          ' as v("id", "kind", "channel", "recipient", "language", "payload"))',
      );
    }
    // Planned once per connection (src/db/prepared-names.ts): the result is only "id".
    text = preparedText(`with ${parts.join(', ')} select "id" from u`);
    if (byShape.size < 200) byShape.set(shape, text);
  }
  return CompiledQuery.raw(text, parameters) as CompiledQuery<{ id: string }>;
}
