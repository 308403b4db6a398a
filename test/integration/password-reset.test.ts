// Spec §4.6 (password-reset codes) on both faces: GraphQL `passwordReset` and REST
// `POST /v2/users/{userId}/password_reset`, and the codes' use as `verificationCode` (§4.5).
import { describe, expect, it } from 'vitest';
import { codeMatches } from '../../src/domain/users/codes.js';
import {
  asGraphQLDetails,
  details,
  FACES,
  type Face,
  fail,
  freshWorldEach,
  graphqlFailure,
  type Input,
  type Outcome,
  ok,
  restFailure,
  toRest,
  updater,
  withoutNulls,
} from '../support/faces.js';
import { type Harness, RESET, snapshot, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

// --- both faces -------------------------------------------------------------------------------

/** One updateHumanUser through one face (see test/support/faces.ts). */
const update = updater(() => h);

/** One passwordReset through one face. */
async function reset(face: Face, token: string | null, userId: string, input: Input = {}): Promise<Outcome> {
  if (face === 'graphql') {
    const res = await h.gql(RESET, { input: { userId, ...input } }, token);
    const error = res.body.errors?.[0];
    if (error) return { status: res.status, error: graphqlFailure(res.status, error) };
    return { status: res.status, ok: withoutNulls(res.body.data?.passwordReset as Input) };
  }
  const res = await h.rest('POST', `/v2/users/${encodeURIComponent(userId)}/password_reset`, toRest(input), token);
  if (res.status === 200) return { status: 200, ok: { ...res.body, details: asGraphQLDetails(res.body.details) } };
  return { status: res.status, error: restFailure(res.status, res.body) };
}

const CODE = /^[A-Z0-9]{6}$/;
const NEW_PASSWORD = 'Neues-Passwort9';
const E = {
  notFound: fail(404, 5, 'User could not be found', 'COMMAND-SAF4f'),
  notInitialized: fail(400, 9, 'User is not yet initialized', 'COMMAND-Sfe4g'),
  membership: fail(404, 5, 'membership not found', 'AUTHZ-cdgFk'),
  denied: fail(403, 7, 'No matching permissions found', 'AUTH-AWfge'),
  codeInvalid: fail(400, 3, 'Code is invalid', 'CODE-woT0xc'),
  codeNotFound: fail(400, 9, 'Code not found', 'COMMAND-2M9fs'),
  templateSyntax: fail(400, 3, 'URL Template is invalid', 'DOMAIN-oGh5e'),
  templateField: fail(400, 3, 'URL Template is invalid', 'DOMAIN-ieYa7'),
};

async function resetRow(userId: string) {
  return h.db
    .selectFrom('verification_codes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'password_reset')
    .executeTakeFirst();
}

async function outboxRows(userId: string) {
  const rows = await h.db.selectFrom('notification_outbox').selectAll().where('user_id', '=', userId).execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

const withCode = (verificationCode: string, password = NEW_PASSWORD) => ({
  password: { password: { password }, verificationCode },
});

describe('returnCode (§4.6)', () => {
  it.each(FACES)('%s: answers a 6-character code, stores only its hash, sends nothing', async (face) => {
    const res = ok(await reset(face, w.orgOwner.token, w.alice.id, { returnCode: true }));
    expect(res).toEqual({ details: details(2, w.orgs.acme), verificationCode: expect.stringMatching(CODE) });
    const code = res.verificationCode as string;
    const row = await resetRow(w.alice.id);
    expect(row?.code_hash).not.toContain(code);
    expect(codeMatches(code, row?.code_hash as string)).toBe(true);
    expect(row?.expires_at).toBe('2026-11-23T11:00:00.000Z');
    expect(await outboxRows(w.alice.id)).toEqual([]);
    const events = await h.repository.events(w.alice.id);
    expect(events.map((e) => [e.type, e.creator])).toEqual([
      ['user.created', expect.anything()],
      ['password.code.added', w.orgOwner.id],
    ]);
    expect(JSON.stringify(events[1]?.payload)).not.toContain(code);
  });

  it.each(FACES)('%s: the returned code then works as verificationCode, for the user itself', async (face) => {
    const { verificationCode } = ok(await reset(face, w.orgOwner.token, w.alice.id, { returnCode: true }));
    h.clock.advance(1000);
    const res = ok(await update(face, w.alice.token, w.alice.id, withCode(verificationCode as string)));
    expect(res).toEqual({ details: details(3, w.orgs.acme, '2026-11-23T10:00:01.000Z') });
    const row = await h.db.selectFrom('users').select('password_hash').where('id', '=', w.alice.id).executeTakeFirst();
    expect(await h.hasher.verify(NEW_PASSWORD, row?.password_hash as string)).toBe(true);
    expect(await resetRow(w.alice.id)).toBeUndefined();
  });

  it.each(FACES)('%s: a new code replaces the earlier one', async (face) => {
    const first = ok(await reset(face, w.orgOwner.token, w.alice.id, { returnCode: true })).verificationCode as string;
    const second = ok(await reset(face, w.orgOwner.token, w.alice.id, { returnCode: true })).verificationCode as string;
    const rows = await h.db.selectFrom('verification_codes').selectAll().where('user_id', '=', w.alice.id).execute();
    expect(rows).toHaveLength(1);
    if (first !== second) {
      expect(await update(face, w.alice.token, w.alice.id, withCode(first))).toEqual(E.codeInvalid);
    }
    ok(await update(face, w.alice.token, w.alice.id, withCode(second)));
  });

  it.each(FACES)('%s: a sendLink replaces a returned code as well', async (face) => {
    const first = ok(await reset(face, w.orgOwner.token, w.alice.id, { returnCode: true })).verificationCode as string;
    ok(await reset(face, w.orgOwner.token, w.alice.id, { sendLink: {} }));
    const [mail] = await outboxRows(w.alice.id);
    const mailed = mail?.payload.code as string;
    if (first !== mailed) {
      expect(await update(face, w.alice.token, w.alice.id, withCode(first))).toEqual(E.codeInvalid);
    }
    ok(await update(face, w.alice.token, w.alice.id, withCode(mailed)));
  });

  it.each(FACES)('%s: needs user.write — not for oneself without it', async (face) => {
    const before = await snapshot(h, w.alice.id);
    expect(await reset(face, w.alice.token, w.alice.id, { returnCode: true })).toEqual(E.membership);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
    expect(await reset(face, w.orgViewer.token, w.orgViewer.id, { returnCode: true })).toEqual(E.denied);
    expect(await reset(face, w.orgViewer.token, w.alice.id, { returnCode: true })).toEqual(E.denied);
    expect(await reset(face, w.otherOwner.token, w.alice.id, { returnCode: true })).toEqual(E.membership);
    // instance-wide and organization-wide writers may
    ok(await reset(face, w.iamOwner.token, w.alice.id, { returnCode: true }));
    ok(await reset(face, w.machine.token, w.bob.id, { returnCode: true }));
  });
});

describe('GraphQL returnCode flag (§6)', () => {
  it('returnCode: false counts as sent; null as absent', async () => {
    const sent = await h.gql(RESET, { input: { userId: w.alice.id, returnCode: false } }, w.orgOwner.token);
    expect(sent.body.data?.passwordReset).toMatchObject({ verificationCode: expect.stringMatching(CODE) });
    expect(await outboxRows(w.alice.id)).toEqual([]);
    const absent = await h.gql(RESET, { input: { userId: w.alice.id, returnCode: null } }, w.orgOwner.token);
    expect(absent.body.data?.passwordReset).toMatchObject({ verificationCode: null });
    expect((await outboxRows(w.alice.id)).map((r) => r.kind)).toEqual(['password_reset']);
  });
});

describe('sendLink (§4.6)', () => {
  it.each(FACES)('%s: queues a password_reset email with the code; no code in the answer', async (face) => {
    const res = ok(await reset(face, w.orgOwner.token, w.alice.id, { sendLink: {} }));
    expect(res).toEqual({ details: details(2, w.orgs.acme) });
    const rows = await outboxRows(w.alice.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'password_reset',
      channel: 'email',
      recipient: 'alice@example.com',
      status: 'pending',
      org_id: w.orgs.acme,
    });
    const code = rows[0]?.payload.code as string;
    expect(code).toMatch(CODE);
    expect(rows[0]?.payload.url).toBeUndefined();
    expect(codeMatches(code, (await resetRow(w.alice.id))?.code_hash as string)).toBe(true);
    // the mailed code works as verificationCode
    ok(await update(face, w.alice.token, w.alice.id, withCode(code)));
  });

  it.each(FACES)('%s: with a urlTemplate the link is rendered with UserID, Code and OrgID', async (face) => {
    const urlTemplate = 'https://login.acme.ch/reset/{{.UserID}}?code={{.Code}}&org={{.OrgID}}';
    ok(await reset(face, w.orgOwner.token, w.alice.id, { sendLink: { urlTemplate } }));
    const [row] = await outboxRows(w.alice.id);
    const code = row?.payload.code as string;
    expect(row?.kind).toBe('password_reset');
    expect(row?.payload.url).toBe(`https://login.acme.ch/reset/${w.alice.id}?code=${code}&org=${w.orgs.acme}`);
    expect((await resetRow(w.alice.id))?.url_template).toBe(urlTemplate);
  });

  it.each(FACES)('%s: no option means sendLink', async (face) => {
    const res = ok(await reset(face, w.orgOwner.token, w.alice.id, {}));
    expect(res).toEqual({ details: details(2, w.orgs.acme) });
    expect((await outboxRows(w.alice.id)).map((r) => r.kind)).toEqual(['password_reset']);
  });

  it.each(FACES)('%s: a user may send itself a link without any role', async (face) => {
    ok(await reset(face, w.alice.token, w.alice.id, { sendLink: {} }));
    ok(await reset(face, w.alice.token, w.alice.id, {}));
    expect((await outboxRows(w.alice.id)).map((r) => [r.kind, r.recipient])).toEqual([
      ['password_reset', 'alice@example.com'],
      ['password_reset', 'alice@example.com'],
    ]);
  });

  it.each(FACES)("%s: for someone else's link the caller needs user.write", async (face) => {
    expect(await reset(face, w.alice.token, w.bob.id, { sendLink: {} })).toEqual(E.membership);
    expect(await reset(face, w.orgViewer.token, w.bob.id, { sendLink: {} })).toEqual(E.denied);
    expect(await outboxRows(w.bob.id)).toEqual([]);
    expect(await resetRow(w.bob.id)).toBeUndefined();
  });

  const SYNTAX = ['{{.Code', '{{}}'];
  const FIELD = ['{{.Foo}}', '{{printf}}'];
  for (const face of FACES) {
    it.each(SYNTAX)(`${face}: urlTemplate %s → DOMAIN-oGh5e`, async (urlTemplate) => {
      const before = await snapshot(h, w.alice.id);
      expect(await reset(face, w.orgOwner.token, w.alice.id, { sendLink: { urlTemplate } })).toEqual(E.templateSyntax);
      expect(await snapshot(h, w.alice.id)).toEqual(before);
    });
    it.each(FIELD)(`${face}: urlTemplate %s → DOMAIN-ieYa7`, async (urlTemplate) => {
      expect(await reset(face, w.orgOwner.token, w.alice.id, { sendLink: { urlTemplate } })).toEqual(E.templateField);
    });
  }
});

describe('lookup and shape (§4.6, §2)', () => {
  it.each(FACES)('%s: an initial-state user → 400 COMMAND-Sfe4g (code 9), no code issued', async (face) => {
    const { id } = await h.admin.addHuman({
      orgId: w.orgs.acme,
      username: 'initial-reset',
      givenName: 'I',
      familyName: 'Nitial',
      email: 'initial-reset@example.com',
      state: 'initial',
    });
    const before = await snapshot(h, id);
    for (const input of [{ returnCode: true }, { sendLink: {} }]) {
      expect(await reset(face, w.orgOwner.token, id, input)).toEqual(E.notInitialized);
    }
    expect(await snapshot(h, id)).toEqual(before);
    expect(await outboxRows(id)).toEqual([]);
  });

  it.each(FACES)('%s: missing and machine users → 404 COMMAND-SAF4f', async (face) => {
    for (const input of [{ returnCode: true }, { sendLink: {} }]) {
      expect(await reset(face, w.orgOwner.token, '123456789', input)).toEqual(E.notFound);
      expect(await reset(face, w.orgOwner.token, w.machine.id, input)).toEqual(E.notFound);
    }
    expect(await outboxRows(w.machine.id)).toEqual([]);
  });

  it.each(FACES)('%s: sendLink and returnCode together → 400 (code 3), nothing written', async (face) => {
    const before = await snapshot(h, w.alice.id);
    const res = await reset(face, w.orgOwner.token, w.alice.id, { sendLink: {}, returnCode: true });
    expect(res.status).toBe(400);
    expect('error' in res && res.error).toMatchObject({ status: 400, code: 3 });
    expect('error' in res && res.error.id).toBeUndefined();
    expect('error' in res && res.error.message).toMatch(/^invalid PasswordResetRequest.*sendLink.*returnCode/);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });

  it('REST: snake_case members are accepted', async () => {
    const res = await h.rest('POST', `/v2/users/${w.alice.id}/password_reset`, { return_code: {} }, w.orgOwner.token);
    expect(res.status).toBe(200);
    expect(res.body.verificationCode).toMatch(CODE);
    const link = await h.rest(
      'POST',
      `/v2/users/${w.bob.id}/password_reset`,
      { send_link: { url_template: 'https://x/{{.Code}}' } },
      w.orgOwner.token,
    );
    expect(link.status).toBe(200);
    const [row] = await outboxRows(w.bob.id);
    expect(row?.payload.url).toBe(`https://x/${row?.payload.code}`);
  });

  it.each(FACES)('%s: without a token → 401, nothing written', async (face) => {
    const before = await snapshot(h, w.alice.id);
    const res = await reset(face, null, w.alice.id, { returnCode: true });
    expect(res.status).toBe(401);
    expect('error' in res && res.error.code).toBe(16);
    expect(await snapshot(h, w.alice.id)).toEqual(before);
  });
});
