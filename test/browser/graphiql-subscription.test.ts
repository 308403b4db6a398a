// GraphiQL runs subscription userEvents in Chromium (issue 19.2): the subscription is started in the
// playground (over SSE, as GraphiQL sends it), an update is made with fetch, and the event appears
// in the result pane. Skips (visibly) where /usr/bin/chromium is missing, as graphiql.test.ts.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { type GatewayOnLoopback, serveGateway } from '../support/live-clients.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`SKIPPED: GraphiQL subscription browser test — no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describe.skipIf(!available)('GraphiQL subscription in Chromium', () => {
  let h: Harness;
  let w: World;
  let served: GatewayOnLoopback | undefined;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness({ SUBSCRIPTION_POLL_MS: '200' });
    w = await h.seed();
    served = await serveGateway(h.app.yoga);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await h?.close();
  });

  it('starts userEvents, and the event of an update made meanwhile arrives in the result pane', async () => {
    const base = served?.base as string;
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${base}/graphql`);
    const queryEditor = page.locator('.graphiql-query-editor .graphiql-editor').first();
    await queryEditor.waitFor({ timeout: 30_000 });

    await queryEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // After sequence 1 (user.created): only what happens from now on.
    await page.keyboard.insertText(
      `subscription { userEvents(userId: "${w.alice.id}", afterSequence: "1") { type sequence creator payload } }`,
    );
    await page.getByText('Headers', { exact: true }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${w.orgOwner.token}` }));

    await page.locator('.graphiql-execute-button').click();
    // The stream is open once the gateway counts it.
    await expect.poll(() => h.app.services.events.open, { timeout: 20_000 }).toBe(1);

    const update = await fetch(`${base}/v2/users/human/${w.alice.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${w.orgOwner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: { givenName: 'Seen-live', familyName: 'In-GraphiQL' } }),
    });
    expect(update.status).toBe(200);

    const response = page.locator('.graphiql-response');
    const shown = async () => ((await response.textContent()) ?? '').replace(/\s+/g, ' ');
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
