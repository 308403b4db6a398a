// Persistence of the user aggregate. Kysely only; no rules here. Rows never leave this file.
import { type Insertable, type Kysely, PostgresAdapter, type Transaction } from 'kysely';
import { isTransientConflict, isUniqueViolation, violatedUniqueConstraint } from '../../db/errors.js';
import { plainTransact, type Transact } from '../../db/group-commit.js';
import { precompile } from '../../db/precompiled.js';
import type { Database, UserRow, UserUpdate } from '../../db/types.js';
import type { IdGenerator } from '../../ids.js';
import {
  type EventRange,
  type Gender,
  type NewEvent,
  type Organization,
  type OrgPolicies,
  type PendingCode,
  type User,
  type UserEvent,
  usernameKey,
} from './model.js';
import { oneStatementWrite } from './one-statement-write.js';
import { DEFAULT_COMPLEXITY, DEFAULT_LOCKOUT } from './passwords.js';
import type { ApplyResult, ChangeSet, CodeKind, CommitListener, UserStore } from './store.js';
import { userColumns } from './user-columns.js';

export type { ApplyResult, ChangeSet, CodeKind, CommitListener, NewOutboxMessage, UserStore } from './store.js';
export { userColumns };

const bool = (v: number | null | undefined) => v === 1;

function toUser(row: UserRow): User {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    state: row.state,
    username: row.username,
    profile: {
      givenName: row.given_name,
      familyName: row.family_name,
      nickName: row.nick_name,
      displayName: row.display_name,
      preferredLanguage: row.preferred_language,
      gender: row.gender as Gender,
    },
    email: { email: row.email, isVerified: bool(row.email_verified) },
    phone: { phone: row.phone, isVerified: bool(row.phone_verified) },
    passwordHash: row.password_hash,
    passwordChangeRequired: bool(row.password_change_required),
    failedPasswordAttempts: Number(row.failed_password_attempts),
    sequence: Number(row.sequence),
    changeDate: row.change_date,
  };
}

// Driver errors (SQLite vs PostgreSQL) are read in one place: src/db/errors.ts.
export { isUniqueViolation };

export class UserRepository implements UserStore {
  /** The statements every update runs, compiled once (src/db/precompiled.ts). */
  private readonly statements = updatePathStatements();
  /** PostgreSQL writes a change set with one statement (./one-statement-write.ts); SQLite group-commits. */
  private readonly oneStatement: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly newId: IdGenerator,
    /** How writes are made atomic: the database handle's `transact` (group commit on SQLite). */
    private readonly transact: Transact = plainTransact(db),
    /** Told after each commit that appended events (the app's event bus: live user events). */
    private readonly committed: CommitListener = () => {},
  ) {
    this.oneStatement = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  async findUser(id: string): Promise<User | undefined> {
    const { rows } = await this.statements.findUser(this.db, { id });
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async readUser(id: string): Promise<User | undefined> {
    const { rows } = await this.statements.readUser(this.db, { id });
    const row = rows[0];
    if (!row) return undefined;
    const { creation_date, password_changed, ...user } = row;
    return {
      ...toUser(user),
      ...(creation_date ? { creationDate: creation_date } : {}),
      ...(password_changed ? { passwordChanged: password_changed } : {}),
    };
  }

  async findOrganization(id: string): Promise<Organization | undefined> {
    const row = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, scopedUsernames: bool(row.scoped_usernames) } : undefined;
  }

  /** The organization that holds `domain` as a verified domain, if any. */
  async verifiedDomainOwner(domain: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('org_domains')
      .select('org_id')
      .where('domain', '=', domain.toLowerCase())
      .where('verified', '=', 1)
      .executeTakeFirst();
    return row?.org_id;
  }

  async policies(orgId: string): Promise<OrgPolicies> {
    const row = await this.db.selectFrom('org_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst();
    const pick = (v: number | null | undefined, d: boolean) => (v === null || v === undefined ? d : v === 1);
    return {
      complexity: {
        minLength: row?.min_length ?? DEFAULT_COMPLEXITY.minLength,
        hasLowercase: pick(row?.has_lowercase, DEFAULT_COMPLEXITY.hasLowercase),
        hasUppercase: pick(row?.has_uppercase, DEFAULT_COMPLEXITY.hasUppercase),
        hasNumber: pick(row?.has_number, DEFAULT_COMPLEXITY.hasNumber),
        hasSymbol: pick(row?.has_symbol, DEFAULT_COMPLEXITY.hasSymbol),
      },
      lockout: { maxPasswordAttempts: row?.max_password_attempts ?? DEFAULT_LOCKOUT.maxPasswordAttempts },
    };
  }

  async pendingCode(userId: string, kind: CodeKind): Promise<PendingCode | undefined> {
    const row = await this.db
      .selectFrom('verification_codes')
      .select(['code_hash', 'expires_at'])
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return row ? { codeHash: row.code_hash, expiresAt: row.expires_at } : undefined;
  }

  /** PostgreSQL: one round trip, atomic by itself; no row back means the guard (sequence, pending code) failed. */
  private async writeInOneStatement(change: ChangeSet, now: string, sequence: number): Promise<ApplyResult> {
    const { rows } = await this.db.executeQuery(oneStatementWrite(change, now, this.newId));
    if (rows.length !== 1) return { ok: false, reason: 'conflict' };
    return { ok: true, details: { sequence, changeDate: now, resourceOwner: change.user.orgId } };
  }

  /**
   * Appends the change set's events and updates the row atomically, guarded by the sequence read
   * before: a concurrent write in between makes this a 'conflict' (nothing written). PostgreSQL:
   * one statement (one round trip); SQLite: one transaction of the group commit.
   */
  async applyChange(change: ChangeSet, now: string): Promise<ApplyResult> {
    const { user, events } = change;
    const sequence = user.sequence + events.length;
    try {
      const result = this.oneStatement
        ? await this.writeInOneStatement(change, now, sequence)
        : await this.transact(async (trx): Promise<ApplyResult> => {
            const updated = await this.statements.updateUser(trx, {
              ...change.columns,
              sequence,
              change_date: now,
              where_id: user.id,
              where_sequence: user.sequence,
            });
            if (Number(updated.numAffectedRows) !== 1) return { ok: false, reason: 'conflict' } as const;
            if (change.consumeCode) {
              const consumed = await trx
                .deleteFrom('verification_codes')
                .where('user_id', '=', user.id)
                .where('kind', '=', change.consumeCode.kind)
                .where('code_hash', '=', change.consumeCode.codeHash)
                .executeTakeFirst();
              if (Number(consumed.numDeletedRows) !== 1) throw new ConflictSignal();
            }
            await this.insertEvents(trx, user, change.creator, events, now);
            if (change.deleteCodes.length > 0) {
              await trx
                .deleteFrom('verification_codes')
                .where('user_id', '=', user.id)
                .where('kind', 'in', change.deleteCodes)
                .execute();
            }
            for (const code of change.setCodes) {
              await trx
                .insertInto('verification_codes')
                .values({
                  user_id: user.id,
                  kind: code.kind,
                  code_hash: code.codeHash,
                  url_template: code.urlTemplate,
                  created_at: now,
                  expires_at: code.expiresAt,
                })
                .onConflict((oc) =>
                  oc.columns(['user_id', 'kind']).doUpdateSet({
                    code_hash: code.codeHash,
                    url_template: code.urlTemplate,
                    created_at: now,
                    expires_at: code.expiresAt,
                  }),
                )
                .execute();
            }
            for (const message of change.outbox) {
              await trx
                .insertInto('notification_outbox')
                .values({
                  id: this.newId(),
                  user_id: user.id,
                  org_id: user.orgId,
                  kind: message.kind,
                  channel: message.channel,
                  recipient: message.recipient,
                  language: message.language,
                  payload: JSON.stringify(message.payload),
                  next_attempt_at: now,
                  claimed_by: null,
                  claimed_at: null,
                  last_error: null,
                  created_at: now,
                  sent_at: null,
                })
                .execute();
            }
            return { ok: true, details: { sequence, changeDate: now, resourceOwner: user.orgId } } as const;
          });
      if (result.ok && events.length > 0) this.committed(user.id, sequence);
      return result;
    } catch (error) {
      if (error instanceof ConflictSignal) return { ok: false, reason: 'conflict' };
      // PostgreSQL may abort a transaction that ran into another one (deadlock): nothing was
      // written, so the caller's bounded re-read-and-retry applies.
      if (isTransientConflict(error)) return { ok: false, reason: 'conflict' };
      const constraint = violatedUniqueConstraint(error);
      if (constraint !== undefined) {
        // Either the username key (someone claimed it first) or the event PK (a concurrent write).
        if (constraint === 'users_username_key') return { ok: false, reason: 'username_taken' };
        return { ok: false, reason: 'conflict' };
      }
      throw error;
    }
  }

  /**
   * Records a failed current-password check in its own transaction (it must survive the failing
   * request) and locks the user when the lockout maximum is reached. Returns the new count.
   */
  async recordFailedPasswordCheck(userId: string, creator: string, maxAttempts: number, now: string): Promise<number> {
    let last = 0;
    const attempts = await this.transact(async (trx) => {
      const row = await trx
        .updateTable('users')
        .set((eb) => ({
          failed_password_attempts: eb('failed_password_attempts', '+', 1),
          sequence: eb('sequence', '+', 1),
          change_date: now,
        }))
        .where('id', '=', userId)
        .returning(['sequence', 'failed_password_attempts', 'org_id', 'state'])
        .executeTakeFirstOrThrow();
      const attempts = Number(row.failed_password_attempts);
      const sequence = Number(row.sequence);
      last = sequence;
      const owner = { id: userId, orgId: row.org_id };
      await this.insertEvents(
        trx,
        { ...owner, sequence: sequence - 1 },
        creator,
        [{ type: 'password.check.failed', payload: { failedAttempts: attempts } }],
        now,
      );
      if (maxAttempts > 0 && attempts >= maxAttempts && row.state !== 'locked') {
        await trx
          .updateTable('users')
          .set({ state: 'locked', sequence: sequence + 1 })
          .where('id', '=', userId)
          .execute();
        await this.insertEvents(
          trx,
          { ...owner, sequence },
          creator,
          [{ type: 'user.locked', payload: { failedAttempts: attempts } }],
          now,
        );
        last = sequence + 1;
      }
      return attempts;
    });
    this.committed(userId, last);
    return attempts;
  }

  async readEvents(userId: string, range: EventRange): Promise<UserEvent[]> {
    let query = this.db
      .selectFrom('user_events')
      .select(['sequence', 'type', 'payload', 'creator', 'created_at'])
      .where('user_id', '=', userId);
    if (range.from !== undefined) query = query.where('sequence', range.order === 'asc' ? '>' : '<', range.from);
    const rows = await query.orderBy('sequence', range.order).limit(range.limit).execute();
    return rows.map((r) => ({
      sequence: Number(r.sequence),
      type: r.type,
      creationDate: r.created_at,
      creator: r.creator,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  }

  private async insertEvents(
    trx: Transaction<Database>,
    user: { id: string; orgId: string; sequence: number },
    creator: string,
    events: readonly NewEvent[],
    now: string,
  ): Promise<void> {
    // One statement per event: one compiled shape, and an update rarely has more than two.
    for (const [i, event] of events.entries()) {
      await this.statements.insertEvent(trx, {
        user_id: user.id,
        sequence: user.sequence + i + 1,
        type: event.type,
        payload: JSON.stringify(event.payload),
        creator,
        resource_owner: user.orgId,
        created_at: now,
      });
    }
  }

  /** Used by seeding and tests: the raw event log of a user. */
  async events(userId: string): Promise<{ sequence: number; type: string; payload: unknown; creator: string }[]> {
    const rows = await this.db
      .selectFrom('user_events')
      .select(['sequence', 'type', 'payload', 'creator'])
      .where('user_id', '=', userId)
      .orderBy('sequence')
      .execute();
    return rows.map((r) => ({ ...r, sequence: Number(r.sequence), payload: JSON.parse(r.payload) }));
  }
}

class ConflictSignal extends Error {}

/** The columns of `users` (db/migrations), each by name: a row of them is a whole `UserRow`. */
const USER_COLUMNS = [
  'id',
  'org_id',
  'kind',
  'state',
  'username',
  'username_key',
  'given_name',
  'family_name',
  'nick_name',
  'display_name',
  'preferred_language',
  'gender',
  'email',
  'email_verified',
  'phone',
  'phone_verified',
  'password_hash',
  'password_change_required',
  'failed_password_attempts',
  'sequence',
  'change_date',
  'created_at',
] as const satisfies readonly (keyof UserRow)[];

/** Statements on every update's path, built once per repository (one database, one dialect). */
function updatePathStatements() {
  return {
    /** Every column by name (not `*`), so that PostgreSQL may keep it prepared (src/db/prepared-names.ts). */
    findUser: precompile(
      (db, p: { id: string }) => db.selectFrom('users').select(USER_COLUMNS).where('id', '=', p.id),
      () => '',
      true,
    ),
    /** The user with the dates of its first event and of its last password change (sub-selects on the event log). */
    readUser: precompile((db, p: { id: string }) =>
      db
        .selectFrom('users')
        .selectAll('users')
        .select((eb) => [
          eb
            .selectFrom('user_events')
            .select('created_at')
            .whereRef('user_events.user_id', '=', 'users.id')
            .where('user_events.sequence', '=', 1)
            .as('creation_date'),
          eb
            .selectFrom('user_events')
            .select('created_at')
            .whereRef('user_events.user_id', '=', 'users.id')
            .where('user_events.type', '=', 'password.changed')
            .orderBy('user_events.sequence', 'desc')
            .limit(1)
            .as('password_changed'),
        ])
        .where('users.id', '=', p.id),
    ),
    /** Sets the given columns where id and sequence still match (`where_*`); one shape per column set. */
    updateUser: precompile(
      (db, slots: UserUpdate & { where_id: string; where_sequence: number }) => {
        const { where_id, where_sequence, ...set } = slots;
        return db.updateTable('users').set(set).where('id', '=', where_id).where('sequence', '=', where_sequence);
      },
      (params) => Object.keys(params).join(','),
    ),
    insertEvent: precompile((db, p: Insertable<Database['user_events']>) => db.insertInto('user_events').values(p)),
  };
}

export { usernameKey };
