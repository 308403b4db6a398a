// Secrets never leak: a run of contract cases on both faces (password changes with the current
// password, a verification code, by an admin, an imported hash, failures, resets with returned and
// sent codes, email and phone codes, bad tokens) while every log line (trace level), every
// response body and every event payload is captured. No password, hash, token or code may appear
// in any of them — except a code in the one response that returns it by contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, PASSWORD, RESET, UPDATE, type World } from '../support/harness.js';

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await createHarness({ CREDENTIAL_CHECKS_PER_USER_PER_MINUTE: '0', CREDENTIAL_CHECKS_PER_IP_PER_MINUTE: '0' });
  w = await h.seed();
});
afterAll(() => h.close());

describe('secrets never leak', () => {
  it('no password, hash, token or code in logs, responses or events of a full run', async () => {
    const secrets = new Set<string>([PASSWORD, w.passwordHash]);
    for (const who of [w.alice, w.bob, w.iamOwner, w.orgOwner, w.orgViewer, w.otherOwner, w.carol, w.machine]) {
      secrets.add(who.token);
    }
    /** Response bodies, each with the codes it may legitimately contain. */
    const responses: { text: string; allowed: string[] }[] = [];
    const returnedCodes: string[] = [];
    const collectStored = async () => {
      for (const row of await h.db.selectFrom('users').select('password_hash').execute()) {
        if (row.password_hash) secrets.add(row.password_hash);
      }
      for (const row of await h.db.selectFrom('access_tokens').select('token_hash').execute())
        secrets.add(row.token_hash);
      for (const row of await h.db.selectFrom('verification_codes').select('code_hash').execute())
        secrets.add(row.code_hash);
      for (const row of await h.db.selectFrom('notification_outbox').select('payload').execute()) {
        const { code } = JSON.parse(row.payload) as { code?: string };
        if (code) secrets.add(code);
      }
    };
    const gql = async (query: string, input: Record<string, unknown>, token: string | null) => {
      const r = await h.gql(query, { input }, token);
      const data = (r.body.data ?? {}) as Record<string, Record<string, unknown> | null>;
      const payload = Object.values(data)[0] ?? {};
      const allowed = ['emailCode', 'phoneCode', 'verificationCode']
        .map((k) => payload?.[k])
        .filter((c): c is string => typeof c === 'string');
      returnedCodes.push(...allowed);
      responses.push({ text: JSON.stringify(r.body), allowed });
      await collectStored();
      return r;
    };
    const rest = async (method: string, path: string, body: unknown, token: string | null) => {
      const r = await h.rest(method, path, body, token);
      const allowed = ['emailCode', 'phoneCode', 'verificationCode']
        .map((k) => r.body[k])
        .filter((c): c is string => typeof c === 'string');
      returnedCodes.push(...allowed);
      responses.push({ text: JSON.stringify(r.body), allowed });
      await collectStored();
      return r;
    };
    const passwords = [
      'Second-Passw0rd!',
      'Third-Passw0rd!',
      'Fourth-Passw0rd!',
      'Fifth-Passw0rd!',
      'Imported-Passw0rd!',
    ];
    const wrong = ['Wrong-Passw0rd!', 'Qz7!kp', 'nouppercase1!', 'x'.repeat(80)];
    for (const p of [...passwords, ...wrong]) secrets.add(p);
    const imported = await h.hasher.hash('Imported-Passw0rd!');
    secrets.add(imported);
    const garbageToken = 'garbage-token-7Hq2vZ9xLm4Pw8Rt';
    secrets.add(garbageToken);
    const alicePath = `/v2/users/human/${w.alice.id}`;
    const reset = `/v2/users/${w.alice.id}/password_reset`;

    // A scripted scenario: the alike calls are distinct steps with distinct secrets, spelled out so every secret is visible.
    // Self-service change with the current password, on both faces.
    await gql(
      UPDATE,
      { userId: w.alice.id, password: { password: { password: passwords[0] }, currentPassword: PASSWORD } },
      w.alice.token,
    );
    await rest(
      'PUT',
      alicePath,
      { password: { password: { password: passwords[1] }, current_password: passwords[0] } },
      w.alice.token,
    );
    // Wrong current password, too short, no upper case, too long (both faces).
    await gql(
      UPDATE,
      { userId: w.alice.id, password: { password: { password: passwords[2] }, currentPassword: wrong[0] } },
      w.alice.token,
    );
    await rest('PUT', alicePath, { password: { password: { password: wrong[1] } } }, w.orgOwner.token);
    await gql(UPDATE, { userId: w.alice.id, password: { password: { password: wrong[2] } } }, w.orgOwner.token);
    await rest('PUT', alicePath, { password: { password: { password: wrong[3] } } }, w.orgOwner.token);
    // An admin sets it; then a reset code is returned and used.
    await rest(
      'PUT',
      alicePath,
      { password: { password: { password: passwords[2], changeRequired: true } } },
      w.orgOwner.token,
    );
    const code = (await rest('POST', reset, { returnCode: {} }, w.orgOwner.token)).body.verificationCode as string;
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    await gql(
      UPDATE,
      { userId: w.alice.id, password: { password: { password: passwords[3] }, verificationCode: 'WRONG1' } },
      w.alice.token,
    );
    await gql(
      UPDATE,
      { userId: w.alice.id, password: { password: { password: passwords[3] }, verificationCode: code } },
      w.alice.token,
    );
    // A reset link sent (the code goes to the outbox only), on both faces.
    await rest(
      'POST',
      reset,
      { sendLink: { urlTemplate: 'https://example.com/reset?code={{.Code}}' } },
      w.orgOwner.token,
    );
    await gql(RESET, { userId: w.alice.id, returnCode: true }, w.orgOwner.token);
    await gql(RESET, { userId: w.alice.id }, w.orgOwner.token);
    // An imported hash, and a malformed one.
    await gql(UPDATE, { userId: w.alice.id, password: { hashedPassword: { hash: imported } } }, w.orgOwner.token);
    await rest(
      'PUT',
      alicePath,
      { password: { hashed_password: { hash: `${imported.slice(0, 20)}broken` } } },
      w.orgOwner.token,
    );
    // Email and phone codes, returned and sent.
    await gql(
      UPDATE,
      { userId: w.alice.id, email: { email: 'alice2@example.com', returnCode: true } },
      w.orgOwner.token,
    );
    await rest('PUT', alicePath, { email: { email: 'alice3@example.com', send_code: {} } }, w.orgOwner.token);
    await rest('PUT', alicePath, { phone: { phone: '+41791234567', return_code: {} } }, w.orgOwner.token);
    await gql(UPDATE, { userId: w.alice.id, phone: { phone: '+41791234568', sendCode: true } }, w.orgOwner.token);
    // Bad and revoked tokens.
    await gql(UPDATE, { userId: w.alice.id }, garbageToken);
    await rest('GET', `/v2/users/${w.alice.id}`, undefined, garbageToken);
    await h.admin.revokeToken({ token: w.bob.token });
    await rest('GET', `/v2/users/${w.bob.id}`, undefined, w.bob.token);
    await gql(UPDATE, { userId: w.bob.id, profile: { givenName: 'B', familyName: 'T' } }, w.bob.token);

    // The run did what it claims: codes were returned and sent, passwords changed.
    expect(returnedCodes.length).toBeGreaterThanOrEqual(4);
    const outbox = await h.db.selectFrom('notification_outbox').select('payload').execute();
    expect(outbox.length).toBeGreaterThanOrEqual(3);
    const types = (await h.repository.events(w.alice.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'password.changed').length).toBeGreaterThanOrEqual(4);
    expect(types).toContain('password.check.failed');
    for (const c of returnedCodes) secrets.add(c);

    const logs = h.logLines.join('\n');
    expect(h.logLines.length).toBeGreaterThan(responses.length); // request logs were captured
    const events = (await h.db.selectFrom('user_events').select('payload').execute()).map((e) => e.payload).join('\n');
    const leaks: string[] = [];
    for (const secret of secrets) {
      if (logs.includes(secret)) leaks.push(`log: ${secret.slice(0, 12)}…`);
      if (events.includes(secret)) leaks.push(`event: ${secret.slice(0, 12)}…`);
      for (const [i, response] of responses.entries()) {
        if (response.allowed.includes(secret)) continue;
        if (response.text.includes(secret)) leaks.push(`response ${i}: ${secret.slice(0, 12)}…`);
      }
    }
    expect(leaks).toEqual([]);
    expect(secrets.size).toBeGreaterThan(25);
  });
});

describe('malformed secrets never leak', () => {
  const passwordHash = async (id: string) =>
    (await h.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow())
      .password_hash;
  /** A distinct secret per case, so a leak names its case. */
  const secret = (n: number) => `Leak${n}-Zq8vR2xW!`;
  const gqlRaw = (body: string, token: string | null, extra: Record<string, string> = {}) =>
    h.app.yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
      body,
    });
  const connect = (body: string, token: string | null) =>
    h.app.yoga.fetch('http://gateway/zitadel.user.v2.UserService/UpdateHumanUser', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'connect-protocol-version': '1',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });

  it('wrong-typed, malformed and literal credentials on every face: no secret in any log line (trace level)', async () => {
    const before = h.logLines.length;
    const hashBefore = await passwordHash(w.alice.id);
    const used: string[] = [];
    let n = 0;
    const next = () => {
      const s = secret(n++);
      used.push(s);
      return s;
    };
    const statuses: number[] = [];
    const record = async (response: Response | Promise<Response>) => {
      const r = await response;
      statuses.push(r.status);
      await r.text();
    };
    const id = w.alice.id;
    // GraphQL: wrong types in variables (coercion messages quote the value), literals in the document.
    for (const password of [
      { password: { password: [next()] }, currentPassword: PASSWORD },
      { password: { password: 'Valid-Passw0rd!' }, currentPassword: [next()] },
      { password: { password: 'Valid-Passw0rd!' }, currentPassword: { nested: next() } },
      { password: { password: 'Valid-Passw0rd!' }, verificationCode: [next()] },
      { hashedPassword: { hash: [next()] } },
      { hashedPassword: { hash: 42 }, currentPassword: next() },
    ]) {
      await record(
        gqlRaw(JSON.stringify({ query: UPDATE, variables: { input: { userId: id, password } } }), w.alice.token),
      );
    }
    // A code sent as a number: no quotes mark it as a value.
    const numeric = 804_731_926;
    used.push(String(numeric));
    for (const password of [{ password: { password: 'Valid-Passw0rd!' }, verificationCode: numeric }]) {
      await record(
        gqlRaw(JSON.stringify({ query: UPDATE, variables: { input: { userId: id, password } } }), w.alice.token),
      );
    }
    const literal = next();
    await record(
      gqlRaw(
        JSON.stringify({
          query: `mutation { updateHumanUser(input: { userId: "${id}", password: { password: { password: ["${literal}"] }, currentPassword: 7 } }) { details { sequence } } }`,
        }),
        w.alice.token,
      ),
    );
    await record(
      gqlRaw(
        JSON.stringify({
          query: `mutation { updateHumanUser(input: { userId: "${id}", password: { password: { password: "x" }, currentPassword: "${next()}" }, nope: 1 }) { details { sequence } } }`,
        }),
        w.alice.token,
      ),
    );
    // Unparsable bodies and queries that contain a secret.
    await record(
      gqlRaw(`{"query": "mutation { x }", "variables": {"input": {"currentPassword": "${next()}"`, w.alice.token),
    );
    await record(gqlRaw(JSON.stringify({ query: `mutation { updateHumanUser(input: "${next()}" ` }), w.alice.token));
    // Malformed tokens.
    await record(
      gqlRaw(JSON.stringify({ query: UPDATE, variables: { input: { userId: id } } }), null, {
        authorization: `Bearer ${next()} extra`,
      }),
    );
    await record(
      gqlRaw(JSON.stringify({ query: UPDATE, variables: { input: { userId: id } } }), null, {
        authorization: `Basic ${next()}`,
      }),
    );
    // REST: wrong types, unparsable JSON.
    const path = `/v2/users/human/${id}`;
    const restRaw = (body: string, token: string | null, extra: Record<string, string> = {}) =>
      h.app.yoga.fetch(`http://gateway${path}`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...extra,
        },
        body,
      });
    for (const password of [
      { password: { password: [next()] }, current_password: PASSWORD },
      { password: { password: 'Valid-Passw0rd!' }, current_password: [next()] },
      { password: { password: 'Valid-Passw0rd!' }, current_password: { nested: next() } },
      { password: { password: 'Valid-Passw0rd!' }, verification_code: 12345, current_password: next() },
      { hashed_password: { hash: [next()] } },
    ]) {
      await record(restRaw(JSON.stringify({ password }), w.alice.token));
    }
    await record(restRaw(`{"password": {"password": {"password": "${next()}"`, w.alice.token));
    await record(restRaw(`{"password": {"password": {"password": "${next()}"}}} trailing`, w.alice.token));
    await record(
      restRaw(JSON.stringify({ profile: { givenName: 'A' } }), null, { authorization: `Bearer ${next()} x` }),
    );
    // Connect JSON: wrong types, unparsable JSON.
    for (const password of [
      { password: { password: [next()] }, currentPassword: PASSWORD },
      { password: { password: 'Valid-Passw0rd!' }, currentPassword: [next()] },
      { password: { password: 'Valid-Passw0rd!' }, currentPassword: { nested: next() } },
      { password: { password: 'Valid-Passw0rd!' }, verificationCode: 12345, currentPassword: next() },
      { hashedPassword: { hash: [next()] } },
      { hashedPassword: { hash: next() } },
    ]) {
      await record(connect(JSON.stringify({ userId: id, password }), w.alice.token));
    }
    await record(connect(`{"userId": "${id}", "password": {"password": {"password": "${next()}"`, w.alice.token));
    await record(connect(JSON.stringify({ userId: id, password: { password: { password: next() } } }), `${next()} x`));

    // Every case was refused (none of these inputs is acceptable), and the log saw them all.
    expect(await passwordHash(w.alice.id)).toBe(hashBefore);
    const lines = h.logLines.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(statuses.length);
    const leaks = used.filter((s) => lines.some((line) => line.includes(s)));
    const leakLines = lines.filter((line) => used.some((s) => line.includes(s))).map((l) => l.slice(0, 300));
    expect({ leaks, leakLines }).toEqual({ leaks: [], leakLines: [] });
    // Still useful to an operator: where and why coercion failed.
    expect(lines.join('\n')).toContain(
      'Variable \\"$input\\" got invalid value … at \\"input.password.currentPassword\\"; String cannot represent a non string value: …',
    );
  });
});
