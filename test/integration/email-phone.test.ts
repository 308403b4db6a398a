// Spec §4.3 (email), §4.4 (phone), §2.3 (URL templates) and §2.4 (content checks), on both
// faces: GraphQL `updateHumanUser` and REST `PUT /v2/users/human/{userId}`.
import { describe, expect, it } from 'vitest';
import { codeMatches } from '../../src/domain/users/codes.js';
import { details, eventTypesIn, FACES, fail, freshWorldEach, ok, updater } from '../support/faces.js';
import { type Harness, snapshot, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

// --- both faces -------------------------------------------------------------------------------

/** One updateHumanUser through one face (see test/support/faces.ts). */
const update = updater(() => h);

const eventTypes = eventTypesIn(() => h);

const CODE = /^[A-Z0-9]{6}$/;
const INVALID_TEMPLATE_SYNTAX = fail(400, 3, 'URL Template is invalid', 'DOMAIN-oGh5e');
const INVALID_TEMPLATE_FIELD = fail(400, 3, 'URL Template is invalid', 'DOMAIN-ieYa7');
const INVALID_EMAIL = fail(400, 3, 'Email is invalid', 'EMAIL-599GV'); // a display name (net/mail parses it)
const INVALID_PHONE = fail(400, 3, 'Phone is invalid', 'PHONE-so0wa');

async function userRow(id: string) {
  return h.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function codeRow(userId: string, kind: 'email' | 'phone' | 'password_reset') {
  return h.db
    .selectFrom('verification_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

async function outboxRows(userId: string) {
  const rows = await h.db.selectFrom('notification_outbox').selectAll().where('user_id', '=', userId).execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

// --- email ------------------------------------------------------------------------------------

describe('email changed (§4.3)', () => {
  it.each(FACES)('%s: returnCode answers emailCode, stores only its hash and queues no email', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', returnCode: true } }),
    );
    expect(res).toEqual({ details: details(3, w.orgs.acme), emailCode: expect.stringMatching(CODE) });
    const code = res.emailCode as string;
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'email.changed', 'email.code.added']);
    const row = await userRow(w.alice.id);
    expect([row.email, Number(row.email_verified)]).toEqual(['new@acme.ch', 0]);
    const stored = await codeRow(w.alice.id, 'email');
    expect(stored?.code_hash).toBeTypeOf('string');
    expect(stored?.code_hash).not.toContain(code);
    expect(codeMatches(code, stored?.code_hash as string)).toBe(true);
    // valid 1 hour
    expect(stored?.expires_at).toBe('2026-11-23T11:00:00.000Z');
    expect(await outboxRows(w.alice.id)).toEqual([]);
  });

  it.each(FACES)('%s: no option queues a pending verification email carrying the code', async (face) => {
    const res = ok(await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'Mixed.Case@Acme.CH' } }));
    expect(res).toEqual({ details: details(3, w.orgs.acme) });
    const [row, ...more] = await outboxRows(w.alice.id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      kind: 'email_verification',
      channel: 'email',
      recipient: 'Mixed.Case@Acme.CH',
      status: 'pending',
      org_id: w.orgs.acme,
    });
    const code = row?.payload.code as string;
    expect(code).toMatch(CODE);
    expect(row?.payload.url).toBeUndefined();
    const stored = await codeRow(w.alice.id, 'email');
    expect(stored?.code_hash).not.toContain(code);
    expect(codeMatches(code, stored?.code_hash as string)).toBe(true);
    // stored exactly as sent (no lower-casing)
    expect((await userRow(w.alice.id)).email).toBe('Mixed.Case@Acme.CH');
  });

  it.each(FACES)(
    '%s: sendCode with a urlTemplate renders UserID, Code and OrgID into the queued email',
    async (face) => {
      const urlTemplate = 'https://login.acme.ch/verify?user={{.UserID}}&code={{.Code}}&org={{.OrgID}}';
      const res = ok(
        await update(face, w.orgOwner.token, w.alice.id, {
          email: { email: 'new@acme.ch', sendCode: { urlTemplate } },
        }),
      );
      expect(res).toEqual({ details: details(3, w.orgs.acme) });
      const [row] = await outboxRows(w.alice.id);
      expect(row).toMatchObject({ kind: 'email_verification', recipient: 'new@acme.ch', status: 'pending' });
      const code = row?.payload.code as string;
      expect(code).toMatch(CODE);
      expect(row?.payload.url).toBe(`https://login.acme.ch/verify?user=${w.alice.id}&code=${code}&org=${w.orgs.acme}`);
      expect((await codeRow(w.alice.id, 'email'))?.url_template).toBe(urlTemplate);
    },
  );

  it.each(FACES)('%s: sendCode without a template queues the email too', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', sendCode: {} } }));
    const rows = await outboxRows(w.alice.id);
    expect(rows.map((r) => [r.kind, r.recipient])).toEqual([['email_verification', 'new@acme.ch']]);
    expect(rows[0]?.payload.code).toMatch(CODE);
  });

  it.each(FACES)('%s: isVerified true writes email.changed then email.verified, no code, no email', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', isVerified: true } }),
    );
    expect(res).toEqual({ details: details(3, w.orgs.acme) });
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'email.changed', 'email.verified']);
    const row = await userRow(w.alice.id);
    expect([row.email, Number(row.email_verified)]).toEqual(['new@acme.ch', 1]);
    expect(await codeRow(w.alice.id, 'email')).toBeUndefined();
    expect(await outboxRows(w.alice.id)).toEqual([]);
  });

  it.each(FACES)('%s: a self-service change (no option) is allowed and queues the email', async (face) => {
    const res = ok(await update(face, w.alice.token, w.alice.id, { email: { email: 'mine@acme.ch' } }));
    expect(res).toEqual({ details: details(3, w.orgs.acme) });
    expect((await outboxRows(w.alice.id)).map((r) => r.recipient)).toEqual(['mine@acme.ch']);
  });

  it('a new code replaces the earlier one', async () => {
    const first = ok(
      await update('graphql', w.orgOwner.token, w.alice.id, { email: { email: 'a1@acme.ch', returnCode: true } }),
    );
    const second = ok(
      await update('rest', w.orgOwner.token, w.alice.id, { email: { email: 'a2@acme.ch', returnCode: true } }),
    );
    const rows = await h.db.selectFrom('verification_codes').selectAll().where('user_id', '=', w.alice.id).execute();
    expect(rows.map((r) => r.kind)).toEqual(['email']);
    expect(codeMatches(second.emailCode as string, rows[0]?.code_hash as string)).toBe(true);
    if (first.emailCode !== second.emailCode) {
      expect(codeMatches(first.emailCode as string, rows[0]?.code_hash as string)).toBe(false);
    }
  });
});

describe('email unchanged (§4.3)', () => {
  it.each(FACES)('%s: sendCode and returnCode on the current address do nothing', async (face) => {
    const before = await snapshot(h, w.alice.id);
    for (const option of [
      { sendCode: {} },
      { sendCode: { urlTemplate: 'https://x/{{.Code}}' } },
      { returnCode: true },
    ]) {
      const res = ok(
        await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'alice@example.com', ...option } }),
      );
      expect(res).toEqual({ details: details(1, w.orgs.acme) });
    }
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each(FACES)('%s: isVerified true on the unverified current address writes only email.verified', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'alice@example.com', isVerified: true } }),
    );
    expect(res).toEqual({ details: details(2, w.orgs.acme) });
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'email.verified']);
    expect(Number((await userRow(w.alice.id)).email_verified)).toBe(1);
    // … and once verified, the same request is a no-op
    const again = ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'alice@example.com', isVerified: true } }),
    );
    expect(again).toEqual({ details: details(2, w.orgs.acme) });
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'email.verified']);
  });

  it.each(FACES)('%s: isVerified false on the current address does nothing', async (face) => {
    const before = await snapshot(h, w.alice.id);
    ok(await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'alice@example.com', isVerified: false } }));
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each(FACES)('%s: the comparison is exact — another case is a change', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'Alice@example.com', returnCode: true } }));
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'email.changed', 'email.code.added']);
  });
});

describe('email content checks (§2.4) and URL templates (§2.3)', () => {
  const INVALID = ['Name <a@b.ch>', '"Alice Example" <alice@acme.ch>'];
  for (const face of FACES) {
    it.each(INVALID)(`${face}: %s → EMAIL-599GV, nothing written`, async (email) => {
      const before = await snapshot(h, w.alice.id);
      expect(await update(face, w.orgOwner.token, w.alice.id, { email: { email } })).toEqual(INVALID_EMAIL);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    });
  }

  const SYNTAX = [
    '{{.Code',
    '{{}}',
    'https://x/{{.Code}',
    'https://x/{{ }}',
    '{{end}}',
    '{{if .Code}}x',
    '{{.Code}}{{',
  ];
  const FIELD = [
    '{{.Foo}}',
    '{{printf}}',
    'https://x/{{.code}}',
    '{{.Code.Bar}}',
    '{{range .Code}}x{{end}}',
    '{{len 3}}',
  ];
  for (const face of FACES) {
    it.each(SYNTAX)(`${face}: urlTemplate %s → DOMAIN-oGh5e`, async (urlTemplate) => {
      const before = await snapshot(h, w.alice.id);
      expect(
        await update(face, w.orgOwner.token, w.alice.id, {
          email: { email: 'new@acme.ch', sendCode: { urlTemplate } },
        }),
      ).toEqual(INVALID_TEMPLATE_SYNTAX);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    });
    it.each(FIELD)(`${face}: urlTemplate %s → DOMAIN-ieYa7`, async (urlTemplate) => {
      expect(
        await update(face, w.orgOwner.token, w.alice.id, {
          email: { email: 'new@acme.ch', sendCode: { urlTemplate } },
        }),
      ).toEqual(INVALID_TEMPLATE_FIELD);
    });
  }

  it.each(FACES)('%s: the template check comes before the content checks', async (face) => {
    const withTemplate = (urlTemplate: string) => ({ sendCode: { urlTemplate } });
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        email: { email: 'Name <a@b.ch>', ...withTemplate('{{.Foo}}') },
        phone: { phone: 'garbage' },
      }),
    ).toEqual(INVALID_TEMPLATE_FIELD);
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        email: { email: '"quoted"@b.ch', ...withTemplate('{{.Code') },
      }),
    ).toEqual(INVALID_TEMPLATE_SYNTAX);
    // content checks come before the user lookup
    expect(await update(face, w.orgOwner.token, 'no-such-user', { email: { email: 'Name <a@b.ch>' } })).toEqual(
      INVALID_EMAIL,
    );
  });

  it.each(FACES)('%s: the template is checked even when the address is unchanged', async (face) => {
    expect(
      await update(face, w.orgOwner.token, w.alice.id, {
        email: { email: 'alice@example.com', sendCode: { urlTemplate: '{{.Foo}}' } },
      }),
    ).toEqual(INVALID_TEMPLATE_FIELD);
  });

  it.each(FACES)('%s: templates with trim markers and comments are accepted', async (face) => {
    const urlTemplate = 'https://x/{{- /* id */ -}} {{.UserID}}/{{ .Code -}} /{{.OrgID}}';
    ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', sendCode: { urlTemplate } } }),
    );
    const [row] = await outboxRows(w.alice.id);
    expect(row?.payload.url).toBe(`https://x/${w.alice.id}/${row?.payload.code}/${w.orgs.acme}`);
  });
});

// --- phone ------------------------------------------------------------------------------------

describe('phone (§4.4)', () => {
  it.each(FACES)('%s: a national number is stored as E.164; returnCode answers phoneCode', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '079 123 45 67', returnCode: true } }),
    );
    expect(res).toEqual({ details: details(3, w.orgs.acme), phoneCode: expect.stringMatching(CODE) });
    const row = await userRow(w.alice.id);
    expect([row.phone, Number(row.phone_verified)]).toEqual(['+41791234567', 0]);
    const events = await h.repository.events(w.alice.id);
    expect(events.map((e) => e.type)).toEqual(['user.created', 'phone.changed', 'phone.code.added']);
    expect(events[1]?.payload).toEqual({ phone: '+41791234567' });
    const stored = await codeRow(w.alice.id, 'phone');
    expect(stored?.code_hash).not.toContain(res.phoneCode);
    expect(codeMatches(res.phoneCode as string, stored?.code_hash as string)).toBe(true);
    expect(await outboxRows(w.alice.id)).toEqual([]);
  });

  it.each(FACES)('%s: by default (and with sendCode) an SMS with the code is queued', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '+41 79 123 45 67' } }));
    ok(await update(face, w.orgOwner.token, w.bob.id, { phone: { phone: '0791234568', sendCode: true } }));
    for (const [id, number] of [
      [w.alice.id, '+41791234567'],
      [w.bob.id, '+41791234568'],
    ] as const) {
      const rows = await outboxRows(id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        kind: 'phone_verification',
        channel: 'sms',
        recipient: number,
        status: 'pending',
      });
      expect(rows[0]?.payload.code).toMatch(CODE);
      expect(codeMatches(rows[0]?.payload.code as string, (await codeRow(id, 'phone'))?.code_hash as string)).toBe(
        true,
      );
    }
  });

  it.each(FACES)('%s: isVerified true writes phone.changed then phone.verified, no code', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '079 123 45 67', isVerified: true } }),
    );
    expect(res).toEqual({ details: details(3, w.orgs.acme) });
    expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'phone.changed', 'phone.verified']);
    const row = await userRow(w.alice.id);
    expect([row.phone, Number(row.phone_verified)]).toEqual(['+41791234567', 1]);
    expect(await codeRow(w.alice.id, 'phone')).toBeUndefined();
    expect(await outboxRows(w.alice.id)).toEqual([]);
  });

  it.each(FACES)('%s: an unparsable number → PHONE-so0wa, nothing written', async (face) => {
    const before = await snapshot(h, w.alice.id);
    for (const phone of ['garbage', '12', '+41 79 123 45 67 89 01 23', '079-ABC-DE-FG']) {
      expect(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone } })).toEqual(INVALID_PHONE);
    }
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it.each(FACES)('%s: an empty or absent number never removes the phone', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '079 123 45 67', isVerified: true } }));
    const before = await snapshot(h, w.alice.id);
    for (const phone of [
      { phone: '' },
      {},
      { phone: '', returnCode: true },
      { sendCode: true },
      { isVerified: true },
    ]) {
      const res = ok(await update(face, w.orgOwner.token, w.alice.id, { phone }));
      expect(res).toEqual({ details: details(3, w.orgs.acme) });
    }
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    expect((await userRow(w.alice.id)).phone).toBe('+41791234567');
  });

  it.each(FACES)(
    '%s: the same number in another notation is unchanged; isVerified then verifies only',
    async (face) => {
      ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '079 123 45 67', returnCode: true } }));
      const before = await snapshot(h, w.alice.id);
      ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '+41791234567', returnCode: true } }));
      ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '0041 79 123 45 67', sendCode: true } }));
      expect(await snapshot(h, w.alice.id)).toEqual(before);
      const res = ok(
        await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '0791234567', isVerified: true } }),
      );
      expect(res).toEqual({ details: details(4, w.orgs.acme) });
      expect(await eventTypes(w.alice.id)).toEqual([
        'user.created',
        'phone.changed',
        'phone.code.added',
        'phone.verified',
      ]);
      // verifying clears the pending phone code
      expect(await codeRow(w.alice.id, 'phone')).toBeUndefined();
    },
  );

  it.each(FACES)(
    '%s: isVerified with an empty number on a user without phone emits phone.verified (as upstream)',
    async (face) => {
      const res = ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { phone: '', isVerified: true } }));
      expect(res).toEqual({ details: details(2, w.orgs.acme) });
      expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'phone.verified']);
      expect(await userRow(w.alice.id)).toMatchObject({ phone: '', phone_verified: 1 });
      // now verified: the same request again changes nothing
      ok(await update(face, w.orgOwner.token, w.alice.id, { phone: { isVerified: true } }));
      expect(await eventTypes(w.alice.id)).toEqual(['user.created', 'phone.verified']);
    },
  );

  it.each(FACES)(
    '%s: a new language and a new email in one request: the mail is queued in the new language',
    async (face) => {
      ok(
        await update(face, w.alice.token, w.alice.id, {
          profile: { givenName: 'Alice', familyName: 'Test', preferredLanguage: 'de' },
          email: { email: 'neu@acme.ch' },
          phone: { phone: '079 123 45 67' },
        }),
      );
      expect((await outboxRows(w.alice.id)).map((r) => [r.kind, r.language])).toEqual([
        ['email_verification', 'de'],
        ['phone_verification', 'de'],
      ]);
    },
  );

  it.each(FACES)('%s: email and phone codes in one request are independent', async (face) => {
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, {
        email: { email: 'both@acme.ch', returnCode: true },
        phone: { phone: '079 123 45 67', returnCode: true },
      }),
    );
    expect(res).toEqual({
      details: details(5, w.orgs.acme),
      emailCode: expect.stringMatching(CODE),
      phoneCode: expect.stringMatching(CODE),
    });
    expect(await eventTypes(w.alice.id)).toEqual([
      'user.created',
      'email.changed',
      'email.code.added',
      'phone.changed',
      'phone.code.added',
    ]);
    expect(codeMatches(res.emailCode as string, (await codeRow(w.alice.id, 'email'))?.code_hash as string)).toBe(true);
    expect(codeMatches(res.phoneCode as string, (await codeRow(w.alice.id, 'phone'))?.code_hash as string)).toBe(true);
  });
});

describe('GraphQL flags: present (true or false) counts as sent, null as absent (§6)', () => {
  it('returnCode: false still returns the codes', async () => {
    const res = await h.gql(
      UPDATE,
      {
        input: {
          userId: w.alice.id,
          email: { email: 'new@acme.ch', returnCode: false },
          phone: { phone: '079 123 45 67', returnCode: false },
        },
      },
      w.orgOwner.token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updateHumanUser).toMatchObject({
      emailCode: expect.stringMatching(CODE),
      phoneCode: expect.stringMatching(CODE),
    });
    expect(await outboxRows(w.alice.id)).toEqual([]);
  });

  it('returnCode: null is the default: codes are sent, not returned', async () => {
    const res = await h.gql(
      UPDATE,
      {
        input: {
          userId: w.alice.id,
          email: { email: 'new@acme.ch', returnCode: null, isVerified: null },
          phone: { phone: '079 123 45 67', returnCode: null, sendCode: null },
        },
      },
      w.orgOwner.token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updateHumanUser).toMatchObject({ emailCode: null, phoneCode: null });
    expect((await outboxRows(w.alice.id)).map((r) => r.kind).sort()).toEqual([
      'email_verification',
      'phone_verification',
    ]);
  });

  it('returnCode: false by the user itself still needs user.write', async () => {
    const res = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, email: { email: 'new@acme.ch', returnCode: false } } },
      w.alice.token,
    );
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: 'AUTHZ-cdgFk' });
  });
});

describe('verification clears the pending code', () => {
  it.each(FACES)('%s: isVerified on the address that has a pending code removes the code', async (face) => {
    ok(await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', returnCode: true } }));
    expect(await codeRow(w.alice.id, 'email')).toBeDefined();
    const res = ok(
      await update(face, w.orgOwner.token, w.alice.id, { email: { email: 'new@acme.ch', isVerified: true } }),
    );
    expect(res).toEqual({ details: details(4, w.orgs.acme) });
    expect(await codeRow(w.alice.id, 'email')).toBeUndefined();
    expect(await eventTypes(w.alice.id)).toEqual([
      'user.created',
      'email.changed',
      'email.code.added',
      'email.verified',
    ]);
  });
});
