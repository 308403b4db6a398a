import { describe, expect, it } from 'vitest';
import { freshWorldEach } from '../support/faces.js';
import { type Harness, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

describe('rename through both faces', () => {
  it('GraphQL and REST answer the same details shape and append one profile.changed each', async () => {
    const g = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, profile: { givenName: 'Alicia', familyName: 'Test' } } },
      w.orgOwner.token,
    );
    expect(g.status).toBe(200);
    expect(g.body.data?.updateHumanUser).toEqual({
      details: { sequence: '2', changeDate: '2026-11-23T10:00:00.000Z', resourceOwner: w.orgs.acme },
      emailCode: null,
      phoneCode: null,
    });
    h.clock.advance(1000);
    const r = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { given_name: 'Ali', family_name: 'T' } },
      w.orgOwner.token,
    );
    expect(r.status).toBe(200);
    // protojson's Timestamp leaves out a zero fraction, as upstream's does.
    expect(r.body).toEqual({
      details: { sequence: '3', changeDate: '2026-11-23T10:00:01Z', resourceOwner: w.orgs.acme },
    });
    const events = await h.repository.events(w.alice.id);
    expect(events.map((e) => e.type)).toEqual(['user.created', 'profile.changed', 'profile.changed']);
    expect(events[2]?.payload).toEqual({ givenName: 'Ali', familyName: 'T' });
    expect(events[2]?.creator).toBe(w.orgOwner.id);
  });
});

describe('order of checks on the REST face', () => {
  it('authenticates before rejecting a body that is not JSON (401, then 400 with a token)', async () => {
    const anonymous = await h.rest('PUT', `/v2/users/human/${w.alice.id}`, '{not json');
    expect(anonymous).toMatchObject({ status: 401, body: { code: 16, message: 'auth header missing' } });
    const authenticated = await h.rest('PUT', `/v2/users/human/${w.alice.id}`, '{not json', w.orgOwner.token);
    expect(authenticated.status).toBe(400);
    expect(authenticated.body.code).toBe(3);
    expect(String(authenticated.body.message)).toMatch(/^invalid JSON body/);
  });

  it('keeps introspection open but needs a token for any other query, even { __typename }', async () => {
    expect((await h.gql('{ __schema { queryType { name } } }', {}, null)).body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    const typename = await h.gql('{ __typename }', {}, null);
    expect(typename.status).toBe(401);
    expect(typename.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('readiness', () => {
  it('GET /ready answers 200 while the database answers and 503 (no body) when it does not', async () => {
    const up = await h.app.yoga.fetch('http://gateway/ready');
    expect(up.status).toBe(200);
    expect(await up.text()).toBe('');
    const ping = h.database.ping;
    h.database.ping = () => Promise.reject(new Error('database unreachable'));
    try {
      const down = await h.app.yoga.fetch('http://gateway/ready');
      expect(down.status).toBe(503);
      expect(await down.text()).toBe('');
      // Liveness does not depend on the database.
      expect((await h.app.yoga.fetch('http://gateway/health')).status).toBe(200);
    } finally {
      h.database.ping = ping;
    }
    expect((await h.app.yoga.fetch('http://gateway/ready')).status).toBe(200);
  });
});
