// Swagger UI's Authorize dialog, in a real browser: the OAuth2 password flow obtains a
// token from /o/token/, then "Try it out" on GET /api/accounts/profile/ succeeds with it.
// Run by run.sh, which starts the demo and creates the user and the client.
const { chromium } = require('playwright-core');

const [base, clientId, clientSecret] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
  const seen = [];
  page.on('response', r => seen.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  await page.goto(`${base}/docs`);
  await page.click('.btn.authorize', { timeout: 20000 });
  await page.fill('#oauth_username', 'swagger');
  await page.fill('#oauth_password', 'swagger-pass-123');
  await page.fill('#client_id_password', clientId);
  await page.fill('#client_secret_password', clientSecret);
  for (const scope of ['read', 'write']) {
    await page.click(`label[for="${scope}-password-checkbox-oauth2"]`);
  }
  const token = page.waitForResponse(r => r.url().endsWith('/o/token/'));
  await page.locator('.auth-container:has(#oauth_username) button.authorize').click();
  const tokenResponse = await token;
  if (tokenResponse.status() !== 200) throw new Error(`token endpoint: ${tokenResponse.status()}`);
  await page.locator('button.btn-done, button.close-modal').first().click();

  const op = page.locator('.opblock-get').filter({ hasText: '/api/accounts/profile/' }).first();
  await op.locator('.opblock-summary').click();
  await op.locator('button.try-out__btn').click();
  const profile = page.waitForResponse(r => r.url().endsWith('/api/accounts/profile/'));
  await op.locator('button.execute').click();
  const profileResponse = await profile;
  const body = await profileResponse.json();
  await browser.close();
  if (profileResponse.status() !== 200 || body.username !== 'swagger') {
    throw new Error(`profile: ${profileResponse.status()} ${JSON.stringify(body)}`);
  }
  console.log(`swagger authorize: ok (${seen.filter(s => !s.includes('/docs')).join(', ')})`);
})().catch(e => { console.error(`swagger authorize: FAILED: ${e.message}`); process.exit(1); });
