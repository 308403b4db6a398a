// Debian's Chromium driven by playwright-core, and the GraphiQL steps both browser tests take:
// open the playground, type an operation, set the Authorization header, run it, read the result.
// The browser tests skip (visibly) where no Chromium is installed; .ci/run installs it.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is here; if not, says which test is skipped and why. */
export function chromiumAvailable(test: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available) console.warn(`SKIPPED: ${test} — no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return available;
}

/** Headless Chromium with the flags this closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** Opens GraphiQL at `base`/graphql, types `operation` and the bearer `token`, and runs it. */
export async function runInGraphiQL(browser: Browser, base: string, operation: string, token: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  await page.goto(`${base}/graphql`);
  const queryEditor = page.locator('.graphiql-query-editor .graphiql-editor').first();
  await queryEditor.waitFor({ timeout: 30_000 });
  await replaceText(page, queryEditor, operation);
  await page.getByText('Headers', { exact: true }).click();
  const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').last();
  await replaceText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response');
  /** The result pane's text, whitespace collapsed. */
  const shown = async () => ((await response.textContent()) ?? '').replace(/\s+/g, ' ');
  return { page, shown };
}

async function replaceText(page: Page, editor: ReturnType<Page['locator']>, text: string) {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}
