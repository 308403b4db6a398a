// GraphiQL in a real browser: Debian's Chromium driven by playwright-core. Skips (visibly) where
// /usr/bin/chromium is missing; .ci/run installs it. Saves a screenshot to test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, runInGraphiQL } from '../support/graphiql-page.js';
import { createHarness, type Harness, type World } from '../support/harness.js';
import { type Served, serve } from '../support/serve.js';

const available = chromiumAvailable('GraphiQL browser test');

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
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await h?.close();
  });

  it('runs updateHumanUser with an Authorization header and shows the new details', async () => {
    const { page, shown } = await runInGraphiQL(
      browser,
      base,
      `mutation { updateHumanUser(input: {userId: "${w.alice.id}", profile: {givenName: "Browser", familyName: "Tested"}}) { details { sequence changeDate resourceOwner } } }`,
      w.orgOwner.token,
    );
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
