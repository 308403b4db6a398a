// GraphiQL in a real browser: Debian's Chromium driven by playwright-core. Skips (visibly) where
// /usr/bin/chromium is missing; .ci/run installs it. Saves a screenshot to test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { type Served, serve } from '../support/serve.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`SKIPPED: GraphiQL browser test — no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available)('GraphiQL in Chromium', () => {
  let h: Harness;
  let w: World;
  let served: Served | undefined;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    h = await createHarness();
    w = await h.seed();
    served = await serve(h);
    base = served.base;
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

  it('runs updateHumanUser with an Authorization header and shows the new details', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${base}/graphql`);
    const queryEditor = page.locator('.graphiql-query-editor .graphiql-editor').first();
    await queryEditor.waitFor({ timeout: 30_000 });

    await queryEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(
      `mutation { updateHumanUser(input: {userId: "${w.alice.id}", profile: {givenName: "Browser", familyName: "Tested"}}) { details { sequence changeDate resourceOwner } } }`,
    );

    await page.getByText('Headers', { exact: true }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${w.orgOwner.token}` }));

    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    const shown = async () => ((await response.textContent()) ?? '').replace(/\s+/g, ' ');
    await expect.poll(shown, { timeout: 20_000 }).toContain('"sequence": "2"');
    const text = await shown();
    expect(text).toContain(`"resourceOwner": "${w.orgs.acme}"`);
    expect(text).toContain('"changeDate": "2026-11-23T10:00:00.000Z"');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/graphiql.png' });
    expect(existsSync('test-artifacts/graphiql.png')).toBe(true);

    const user = await h.repository.findUser(w.alice.id);
    expect(user?.profile).toMatchObject({ givenName: 'Browser', familyName: 'Tested' });
  }, 60_000);
});
