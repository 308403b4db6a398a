// GraphiQL runs subscription userEvents in Chromium (issue 19.2): the subscription is started in the
// playground (over SSE, as GraphiQL sends it), an update is made with fetch, and the event appears
// in the result pane. Skips (visibly) where /usr/bin/chromium is missing, as graphiql.test.ts.
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, runInGraphiQL } from '../support/graphiql-page.js';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { type GatewayOnLoopback, serveGateway } from '../support/live-clients.js';

const available = chromiumAvailable('GraphiQL subscription browser test');

describe.skipIf(!available)('GraphiQL subscription in Chromium', () => {
  let h: Harness;
  let w: World;
  let served: GatewayOnLoopback | undefined;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness({ SUBSCRIPTION_POLL_MS: '200' });
    w = await h.seed();
    served = await serveGateway(h.app.yoga);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await h?.close();
  });

  it('starts userEvents, and the event of an update made meanwhile arrives in the result pane', async () => {
    const base = served?.base as string;
    // After sequence 1 (user.created): only what happens from now on.
    const { page, shown } = await runInGraphiQL(
      browser,
      base,
      `subscription { userEvents(userId: "${w.alice.id}", afterSequence: "1") { type sequence creator payload } }`,
      w.orgOwner.token,
    );
    // The stream is open once the gateway counts it.
    await expect.poll(() => h.app.services.events.open, { timeout: 20_000 }).toBe(1);

    const update = await fetch(`${base}/v2/users/human/${w.alice.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${w.orgOwner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: { givenName: 'Seen-live', familyName: 'In-GraphiQL' } }),
    });
    expect(update.status).toBe(200);

    await expect.poll(shown, { timeout: 20_000 }).toContain('"givenName": "Seen-live"');
    const text = await shown();
    expect(text).toContain('"type": "profile.changed"');
    expect(text).toContain('"sequence": "2"');
    expect(text).toContain(`"creator": "${w.orgOwner.id}"`);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/graphiql-subscription.png' });
    await page.close();
    // Closing the page ends the stream on the gateway.
    await expect.poll(() => h.app.services.events.open, { timeout: 10_000 }).toBe(0);
  }, 90_000);
});
