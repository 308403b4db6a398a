import { describe, expect, it } from 'vitest';
import { freshWorldEach } from '../support/faces.js';
import { type Harness, PASSWORD, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

const requestLogs = (h: Harness) =>
  h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === 'request');

describe('request logs', () => {
  it('log one JSON line per request with the given request id, route, status, duration and caller', async () => {
    const r = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { profile: { givenName: 'Al', familyName: 'Ice' } },
      w.orgOwner.token,
      { 'x-request-id': 'trace-42' },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('trace-42');
    const [line] = requestLogs(h);
    expect(line).toMatchObject({
      reqId: 'trace-42',
      method: 'PUT',
      route: '/v2/users/human/:userId',
      status: 200,
      userId: w.orgOwner.id,
    });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('record the caller for Connect and gRPC-Web calls too', async () => {
    const message = JSON.stringify({ userId: w.alice.id, profile: { givenName: 'Al', familyName: 'Ice' } });
    const frame = (json: string) => {
      const bytes = Buffer.from(json);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(bytes.length, 1);
      return Buffer.concat([header, bytes]);
    };
    for (const [contentType, body] of [
      ['application/json', message],
      ['application/grpc-web+json', frame(message)],
    ] as const) {
      const res = await h.app.yoga.fetch('http://gateway/zitadel.user.v2.UserService/UpdateHumanUser', {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${w.orgOwner.token}` },
        body,
      });
      expect([contentType, res.status]).toEqual([contentType, 200]);
      expect(await res.text()).toContain('"sequence"');
    }
    expect(requestLogs(h).map((l) => [l.route, l.status, l.userId])).toEqual([
      ['/zitadel.user.v2.UserService/UpdateHumanUser', 200, w.orgOwner.id],
      ['/zitadel.user.v2.UserService/UpdateHumanUser', 200, w.orgOwner.id],
    ]);
  });

  it('generate a request id when none (or an unsafe one) is given, and never log bodies or secrets', async () => {
    const r = await h.gql(
      UPDATE,
      { input: { userId: w.alice.id, password: { password: { password: 'N3w-Secret!' }, currentPassword: PASSWORD } } },
      w.alice.token,
    );
    expect(r.status).toBe(200);
    const [line] = requestLogs(h);
    expect(line?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line?.route).toBe('/graphql');
    const all = h.logLines.join('\n');
    for (const secret of ['N3w-Secret!', PASSWORD, w.alice.token, w.passwordHash]) expect(all).not.toContain(secret);
  });
});

describe('GET /metrics', () => {
  it('counts requests by route and outcome, updates by section, failed password checks and the outbox backlog', async () => {
    await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { username: 'alice2', email: { email: 'alice2@example.com' } },
      w.orgOwner.token,
    );
    await h.gql(
      UPDATE,
      { input: { userId: w.bob.id, password: { password: { password: 'N3w-Secret!' }, currentPassword: 'wrong' } } },
      w.bob.token,
    );
    const response = await h.app.yoga.fetch('http://gateway/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('gateway_http_requests_total{route="/v2/users/human/:userId",method="PUT",status="200"} 1');
    expect(text).toContain('gateway_http_requests_total{route="/graphql",method="POST",status="400"} 1');
    expect(text).toContain('gateway_user_updates_total{section="username"} 1');
    expect(text).toContain('gateway_user_updates_total{section="email"} 1');
    expect(text).toContain('gateway_password_checks_failed_total 1');
    expect(text).toContain('gateway_outbox_backlog{status="pending"} 1');
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{route="\/graphql",outcome="client_error"\} 1/);
  });
});
