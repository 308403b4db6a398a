// Issue 14 item 8 (remainder), spec §4.7: GetUserByID carries `user.details.creationDate` (the date
// of the user's first event) and `human.passwordChanged` (the date of the last `password.changed`
// event; absent when never set), on GraphQL, REST and Connect. The harness clock makes them exact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshWorld } from '../support/faces.js';
import type { Harness, World } from '../support/harness.js';

let h: Harness;
let w: World;
beforeEach(async () => {
  ({ h, w } = await freshWorld());
});
afterEach(async () => {
  await h.close();
});

const T0 = '2026-11-23T10:00:00.000Z';
const T1 = '2026-11-23T10:01:00.000Z';
const T2 = '2026-11-23T10:02:00.000Z';
/** protojson's RFC 3339 form of the same instants (no zero milliseconds). */
const proto = (iso: string) => iso.replace('.000Z', 'Z');

const QUERY = `query ($userId: ID!) { user(userId: $userId) {
  details { sequence changeDate resourceOwner creationDate } passwordChanged } }`;

/** Changes alice's password at T1 and her name at T2 (as the org owner). */
async function passwordThenRename() {
  const update = (input: Record<string, unknown>) =>
    h.rest('PUT', `/v2/users/human/${w.alice.id}`, input, w.orgOwner.token).then((res) => {
      expect(res.status).toBe(200);
    });
  h.clock.advance(60_000);
  await update({ password: { password: { password: 'N3w-Passw0rd!' } } });
  h.clock.advance(60_000);
  await update({ profile: { givenName: 'Alicia', familyName: 'Dates' } });
}

async function connect(userId: string): Promise<Record<string, unknown>> {
  const res = await h.app.yoga.fetch('http://gateway/zitadel.user.v2.UserService/GetUserByID', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${w.orgOwner.token}` },
    body: JSON.stringify({ userId }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('GetUserByID: creationDate and passwordChanged', () => {
  it('GraphQL: details.creationDate is the first event, passwordChanged the last password change', async () => {
    await passwordThenRename();
    const res = await h.gql(QUERY, { userId: w.alice.id }, w.orgOwner.token);
    expect(res.body).toEqual({
      data: {
        user: {
          details: { sequence: '3', changeDate: T2, resourceOwner: w.orgs.acme, creationDate: T0 },
          passwordChanged: T1,
        },
      },
    });
  });

  it('GraphQL: a user whose password never changed has passwordChanged null', async () => {
    h.clock.advance(60_000);
    const res = await h.gql(QUERY, { userId: w.bob.id }, w.orgOwner.token);
    expect(res.body.data?.user).toEqual({
      details: { sequence: '1', changeDate: T0, resourceOwner: w.orgs.acme, creationDate: T0 },
      passwordChanged: null,
    });
  });

  it('REST and Connect: user.details.creationDate and human.passwordChanged, the same protojson', async () => {
    await passwordThenRename();
    const rest = await h.rest('GET', `/v2/users/${w.alice.id}`, undefined, w.orgOwner.token);
    expect(rest.status).toBe(200);
    const user = rest.body.user as { details: unknown; human: Record<string, unknown> };
    expect(user.details).toEqual({
      sequence: '3',
      changeDate: proto(T2),
      resourceOwner: w.orgs.acme,
      creationDate: proto(T0),
    });
    expect(user.human.passwordChanged).toBe(proto(T1));
    expect(await connect(w.alice.id)).toEqual(rest.body);
  });

  it('REST and Connect: no password change → passwordChanged left out; creationDate still set', async () => {
    const rest = await h.rest('GET', `/v2/users/${w.bob.id}`, undefined, w.orgOwner.token);
    const user = rest.body.user as { details: Record<string, unknown>; human: Record<string, unknown> };
    expect(user.details.creationDate).toBe(proto(T0));
    expect(user.human).not.toHaveProperty('passwordChanged');
    expect(await connect(w.bob.id)).toEqual(rest.body);
  });
});
