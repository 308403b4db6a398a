// The change one request makes to one user, built by the sections with verbs instead of pushes:
// emit an event, set columns, mark an address verified, add / clear / consume a code, queue a
// notification. `UserStore.applyChange` writes it atomically.
import type { UserUpdate } from '../../db/types.js';
import { CODE_TTL_MS, generateCode, hashCode } from './codes.js';
import type { EventType, NewEvent, User } from './model.js';
import type { ChangeSet, CodeKind, NewCode, NewOutboxMessage } from './store.js';
import { userColumns } from './user-columns.js';

type Fields = Parameters<typeof userColumns>[0];

/** The section (username, profile, email, phone, password) an event belongs to. */
export const sectionOf = (type: string) => (type === 'username.changed' ? 'username' : (type.split('.')[0] ?? type));

export class UserChange implements ChangeSet {
  readonly events: NewEvent[] = [];
  readonly columns: UserUpdate = {};
  readonly setCodes: NewCode[] = [];
  readonly deleteCodes: CodeKind[] = [];
  consumeCode?: { kind: CodeKind; codeHash: string };
  readonly outbox: NewOutboxMessage[] = [];

  constructor(
    readonly user: User,
    readonly creator: string,
    /** When the change is made: codes expire one hour after it. */
    private readonly now: Date,
  ) {}

  /** Appends an event and, when given, the columns it changes. */
  emit(type: EventType, payload: Record<string, unknown> = {}, fields?: Fields): this {
    this.events.push({ type, payload });
    if (fields) this.set(fields);
    return this;
  }

  set(fields: Fields): this {
    Object.assign(this.columns, userColumns(fields));
    return this;
  }

  markEmailVerified(): this {
    return this.emit('email.verified', {}, { emailVerified: true }).clearCode('email');
  }

  markPhoneVerified(): this {
    return this.emit('phone.verified', {}, { phoneVerified: true }).clearCode('phone');
  }

  /** Deletes any pending code of this kind when the change is written. */
  clearCode(kind: CodeKind): this {
    if (!this.deleteCodes.includes(kind)) this.deleteCodes.push(kind);
    return this;
  }

  /** A new code of this kind (replacing a pending one) and its `*.code.added` event; the plain code. */
  addCode(kind: CodeKind, options: { urlTemplate?: string | null; returnCode: boolean }): string {
    const code = generateCode();
    const urlTemplate = options.urlTemplate ?? null;
    const expiresAt = new Date(this.now.getTime() + CODE_TTL_MS).toISOString();
    this.setCodes.push({ kind, codeHash: hashCode(code), urlTemplate, expiresAt });
    const { returnCode } = options;
    if (kind === 'email') this.emit('email.code.added', { returnCode, urlTemplate });
    else if (kind === 'phone') this.emit('phone.code.added', { returnCode });
    else this.emit('password.code.added', { returnCode, urlTemplate });
    return code;
  }

  /** The pending code (by its stored hash) must still exist when the change commits, and goes. */
  consume(kind: CodeKind, codeHash: string): this {
    this.consumeCode = { kind, codeHash };
    return this;
  }

  /** Queues a notification in the outbox, in the same transaction. */
  notify(message: NewOutboxMessage): this {
    this.outbox.push(message);
    return this;
  }

  /** The user's preferred language once this change is written (notifications use it). */
  get language(): string {
    return this.columns.preferred_language ?? this.user.profile.preferredLanguage;
  }

  get isEmpty(): boolean {
    return this.events.length === 0;
  }

  /** The sections this change touches, each once, in event order (metrics). */
  sections(): string[] {
    return [...new Set(this.events.map((e) => sectionOf(e.type)))];
  }
}
