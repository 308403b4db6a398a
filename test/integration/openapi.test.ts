import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi/openapi.js';
import { freshWorldEach } from '../support/faces.js';
import type { Harness, World } from '../support/harness.js';
import { openApiMismatch } from '../support/openapi-check.js';

let h: Harness;
let w: World;
freshWorldEach((fresh) => ({ h, w } = fresh));

describe('GET /openapi.json', () => {
  it('serves a valid OpenAPI 3.1 document describing every REST route', async () => {
    const response = await h.app.yoga.fetch('http://gateway/openapi.json');
    expect(response.status).toBe(200);
    const served = await response.json();
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    const result = await new Validator().validate(served);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(served.paths).sort()).toEqual([
      '/v2/users/human/{userId}',
      '/v2/users/{userId}',
      '/v2/users/{userId}/email/resend',
      '/v2/users/{userId}/email/verify',
      '/v2/users/{userId}/password_reset',
      '/v2/users/{userId}/phone/resend',
      '/v2/users/{userId}/phone/verify',
    ]);
    expect(Object.keys(served.paths['/v2/users/{userId}/email/verify'])).toEqual(['post']);
  });
});

describe('the response check used by the harness', () => {
  it('accepts real answers and rejects ones that break the document', async () => {
    const ok = await h.rest(
      'PUT',
      `/v2/users/human/${w.alice.id}`,
      { email: { email: 'a@b.ch', returnCode: {} } },
      w.orgOwner.token,
    );
    expect(ok.status).toBe(200);
    expect(openApiMismatch('PUT', `/v2/users/human/${w.alice.id}`, 200, ok.body)).toBeNull();
    expect(openApiMismatch('PUT', '/v2/users/human/1', 200, { ...ok.body, emailCode: null })).toMatch(/emailCode/);
    expect(openApiMismatch('PUT', '/v2/users/human/1', 404, { code: '5', message: 'x' })).toMatch(/code/);
    expect(openApiMismatch('GET', '/v2/users/1', 200, { details: ok.body.details })).toMatch(/user/);
  });
});
