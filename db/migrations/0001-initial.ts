// Frozen in time: this migration imports only kysely and never application code.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists at that point
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scoped_usernames', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Verified domains, unique across the instance (lower-cased).
  await db.schema
    .createTable('org_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  // Per-organization overrides of the instance defaults (null = use the default).
  await db.schema
    .createTable('org_policies')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('min_length', 'integer')
    .addColumn('has_lowercase', 'integer')
    .addColumn('has_uppercase', 'integer')
    .addColumn('has_number', 'integer')
    .addColumn('has_symbol', 'integer')
    .addColumn('max_password_attempts', 'integer')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull()) // human | machine
    .addColumn('state', 'text', (c) => c.notNull()) // initial | active | inactive | locked | deleted
    .addColumn('username', 'text', (c) => c.notNull())
    // Uniqueness key: lower(username), prefixed with the org id when the org scopes usernames;
    // null once the user is deleted (the name is free again).
    .addColumn('username_key', 'text')
    .addColumn('given_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('family_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('nick_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('preferred_language', 'text', (c) => c.notNull().defaultTo('und'))
    .addColumn('gender', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_hash', 'text')
    .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_password_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('change_date', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_username_key').on('users').column('username_key').unique().execute();
  await db.schema.createIndex('users_org_id').on('users').column('org_id').execute();

  // Append-only event log; (user_id, sequence) is the gapless per-user sequence.
  await db.schema
    .createTable('user_events')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('creator', 'text', (c) => c.notNull())
    .addColumn('resource_owner', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_events_pk', ['user_id', 'sequence'])
    .execute();

  await db.schema
    .createTable('role_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.references('organizations.id')) // null = instance-wide
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('role_grants_user_id').on('role_grants').column('user_id').execute();

  // Bearer tokens, stored only as SHA-256 of the secret.
  await db.schema
    .createTable('access_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('access_tokens_user_id').on('access_tokens').column('user_id').execute();

  // Pending verification codes (email, phone, password_reset), one per kind and user, hashed.
  await db.schema
    .createTable('verification_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('url_template', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('verification_codes_pk', ['user_id', 'kind'])
    .execute();

  // Transactional outbox for notifications; delivered by the notifier.
  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // email_verification | phone_verification | password_reset
    .addColumn('channel', 'text', (c) => c.notNull()) // email | sms
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('und'))
    // JSON: { code, url? } — the code is needed to deliver; masked when listed, cleared once sent.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending')) // pending | sending | sent | dead
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('notification_outbox_status')
    .on('notification_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'notification_outbox',
    'verification_codes',
    'access_tokens',
    'role_grants',
    'user_events',
    'users',
    'org_policies',
    'org_domains',
    'organizations',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
