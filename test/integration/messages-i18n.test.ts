// Issue 14.15: catalogued errors answer in the caller's preferred language (its profile), else the
// request's Accept-Language (ranked by quality), else English; the id never changes. Untranslated
// errors (upstream's raw texts, the gateway's own ids) stay English. GraphQL, REST and Connect.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
beforeEach(async () => {
  h = await createHarness();
  w = await h.seed();
});
afterEach(() => h.close());

const RENAME = { profile: { givenName: 'A', familyName: 'B' } };

/** The message and id each face answers for an update of `userId` in `language`. */
async function answers(userId: string, input: Record<string, unknown>, language?: string) {
  const headers = (): Record<string, string> => ({
    'content-type': 'application/json',
    authorization: `Bearer ${w.orgOwner.token}`,
    ...(language ? { 'accept-language': language } : {}),
  });
  const post = (path: string, body: unknown, method = 'POST') =>
    h.app.yoga.fetch(`http://gateway${path}`, { method, headers: headers(), body: JSON.stringify(body) });
  const gql = (await (
    await post('/graphql', { query: UPDATE, variables: { input: { userId, ...input } } })
  ).json()) as {
    errors: { message: string; extensions: { id: string } }[];
  };
  const rest = (await (await post(`/v2/users/human/${userId}`, input, 'PUT')).json()) as {
    message: string;
    details: { id: string; message: string }[];
  };
  const connect = (await (await post('/zitadel.user.v2.UserService/UpdateHumanUser', { userId, ...input })).json()) as {
    message: string;
  };
  return {
    graphql: [gql.errors[0]?.message, gql.errors[0]?.extensions.id],
    rest: [rest.message, rest.details[0]?.message, rest.details[0]?.id],
    connect: connect.message,
  };
}

/** What every face answers for an unknown user with `message` in some language. */
const notFound = (message: string) => ({
  graphql: [message, 'COMMAND-ugjs0upun6'],
  rest: [`${message} (COMMAND-ugjs0upun6)`, message, 'COMMAND-ugjs0upun6'],
  connect: `${message} (COMMAND-ugjs0upun6)`,
});

describe('translated error messages (issue 14.15)', () => {
  it('German for Accept-Language de (any region, by quality), the same id on every face', async () => {
    const de = 'Benutzer konnte nicht gefunden werden';
    const expected = notFound(de);
    expect(await answers('no-such-user', RENAME, 'de-CH')).toEqual(expected);
    expect(await answers('no-such-user', RENAME, 'fr;q=0.9, de;q=0.8, en;q=0.1')).toEqual(expected);
  });

  it('English without Accept-Language or for a language without texts', async () => {
    const en = 'User could not be found';
    const expected = notFound(en);
    expect(await answers('no-such-user', RENAME)).toEqual(expected);
    expect(await answers('no-such-user', RENAME, 'fr-FR')).toEqual(expected);
  });

  it('a domain rule in German; the gateway’s own ids stay English', async () => {
    const weak = { password: { password: { password: 'kurz' } } };
    expect((await answers(w.alice.id, weak, 'de')).rest).toEqual([
      'Passwort ist zu kurz (DOMAIN-HuJf6)',
      'Passwort ist zu kurz',
      'DOMAIN-HuJf6',
    ]);
    const long = { password: { password: { password: `Aa1!${'x'.repeat(80)}` } } };
    expect((await answers(w.alice.id, long, 'de')).graphql).toEqual([
      'Password is longer than 72 bytes, the most bcrypt can use',
      'GATEWAY-PWD72',
    ]);
  });

  it('the caller’s preferred language first: German without Accept-Language, and Accept-Language does not override it', async () => {
    await h.db.updateTable('users').set({ preferred_language: 'de-CH' }).where('id', '=', w.orgOwner.id).execute();
    const de = 'Benutzer konnte nicht gefunden werden';
    const expected = notFound(de);
    expect(await answers('no-such-user', RENAME)).toEqual(expected);
    expect(await answers('no-such-user', RENAME, 'en')).toEqual(expected);
    expect(await answers('no-such-user', RENAME, 'fr, en;q=0.5')).toEqual(expected);
  });

  it('a caller whose preferred language has no texts (or is und) falls back to Accept-Language, then English', async () => {
    await h.db.updateTable('users').set({ preferred_language: 'fr' }).where('id', '=', w.orgOwner.id).execute();
    expect((await answers('no-such-user', RENAME, 'de')).graphql).toEqual([
      'Benutzer konnte nicht gefunden werden',
      'COMMAND-ugjs0upun6',
    ]);
    expect((await answers('no-such-user', RENAME)).graphql).toEqual(['User could not be found', 'COMMAND-ugjs0upun6']);
  });
});
