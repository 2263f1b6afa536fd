// Swagger UI's Authorize dialog, in a real browser, once per scheme that a person can
// fill in there: each step gets a fresh browser context (no cookies, storage or
// authorizations carried over from the one before), authorizes, then calls one
// operation through "Try it out" → Execute and reads the response Swagger UI shows.
//
//   anonymous  GET /api/accounts/profile/ before authorizing: 401
//   jwt        an access token from POST /api/token/ (fetched here, outside the browser)
//              pasted as the bearer value; GET /api/accounts/profile/: 200, the username
//   basic      username and password; GET /api/accounts/users/ (staff only): 200
//   oauth2     the password flow against /o/token/ with the read and write scopes;
//              GET /api/accounts/profile/: 200, the username
//
// Besides the status shown, each step checks the Authorization header the browser
// actually sent, so a 200 reached some other way (a cookie, a leftover token) fails.
// Run by run.sh, which starts the demo and creates the user and the OAuth2 client.
// Usage: node swagger-authorize.cjs BASE_URL CLIENT_ID CLIENT_SECRET
const { chromium } = require('playwright-core');

const [base, clientId, clientSecret] = process.argv.slice(2);
const USERNAME = 'swagger';
const PASSWORD = 'swagger-pass-123';
const STEP_TIMEOUT_MS = 15000; // any single wait in the page
const TOTAL_TIMEOUT_MS = 100000; // the whole check (run.sh kills it at 120 s)

class CheckFailed extends Error {}
// fetch() from node, outside the browser, failing with the request in the message.
async function http(method, path, init = {}) {
  try {
    return await fetch(`${base}${path}`, { method, ...init });
  } catch (e) {
    throw new CheckFailed(`${method} ${path}: ${e.cause ? e.cause.message : e.message}`);
  }
}
function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}

// The security requirements of every operation, from the document Swagger UI shows.
async function documentedSchemes() {
  const r = await http('GET', '/openapi.json');
  check(r.status === 200, `GET /openapi.json: ${r.status}`);
  const doc = await r.json();
  return (method, path) => {
    const op = (doc.paths[path] || {})[method];
    check(op, `the document has no ${method.toUpperCase()} ${path}`);
    return new Set((op.security || doc.security || []).flatMap(req => Object.keys(req)));
  };
}

async function jwtAccessToken() {
  const r = await http('POST', '/api/token/', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
  });
  const body = await r.json().catch(() => ({}));
  check(r.status === 200 && typeof body.access === 'string',
        `POST /api/token/: ${r.status} ${JSON.stringify(body)}`);
  return body.access;
}

// A fresh context and page for one step; the context goes away with its credentials.
async function inFreshPage(browser, name, fn) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1600 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  try {
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    return await fn(page);
  } catch (e) {
    if (process.env.SWAGGER_ARTIFACTS) {
      const stem = `${process.env.SWAGGER_ARTIFACTS}/${name}`;
      await page.screenshot({ path: `${stem}.png`, fullPage: true }).catch(() => {});
      await require('fs').promises.writeFile(`${stem}.html`, await page.content()).catch(() => {});
    }
    // Playwright's messages go on with a call log; its first line says what timed out.
    throw new Error(`${name}: ${e instanceof CheckFailed ? e.message : e.message.split('\n')[0]}`);
  } finally {
    await context.close();
  }
}

// The Authorize dialog's form for one scheme, found by the name in its heading
// ("jwt  (http, Bearer)", "oauth2 (OAuth2, password)").
function authForm(page, heading) {
  return page.locator('.auth-container').filter({
    has: page.locator('h4', { hasText: heading }),
  });
}

async function openAuthorize(page) {
  await page.locator('.auth-wrapper .btn.authorize').click();
  await page.locator('.modal-ux .auth-container').first().waitFor();
}

async function closeAuthorize(page) {
  await page.locator('.modal-ux .close-modal').click();
  await page.locator('.modal-ux').waitFor({ state: 'detached' });
}

// "Try it out" → Execute on one operation; returns what Swagger UI shows and what the
// browser sent. Clears an earlier live response first, so the one read is this call's.
async function execute(page, method, path) {
  const op = page.locator(`.opblock.opblock-${method}`).filter({
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
  check(await op.count() === 1, `${method.toUpperCase()} ${path}: not found once in Swagger UI`);
  if (!(await op.locator('.opblock-body').isVisible())) {
    await op.locator('.opblock-summary-control').click();
  }
  const tryOut = op.locator('button.try-out__btn');
  await tryOut.waitFor();
  if (!(await tryOut.getAttribute('class')).includes('cancel')) await tryOut.click();
  const clear = op.locator('button.btn-clear');
  if (await clear.isVisible()) {
    await clear.click();
    await op.locator('.live-responses-table').waitFor({ state: 'detached' });
  }
  const sent = page.waitForResponse(r => r.request().method() === method.toUpperCase()
    && new URL(r.url()).pathname === path);
  await op.locator('button.execute').click();
  const response = await sent;
  const row = op.locator('.live-responses-table tbody tr.response');
  await row.waitFor();
  return {
    shown: (await row.locator('td.response-col_status').innerText()).trim(),
    body: await row.locator('.highlight-code pre').first().innerText({ timeout: 2000 }).catch(() => ''),
    network: response.status(),
    authorization: (await response.request().allHeaders()).authorization || null,
  };
}

function expectCall(label, call, status, { authorization, bodyHas } = {}) {
  const body = call.body.replace(/\s+/g, ' ').slice(0, 300);
  check(call.shown === String(status) && call.network === status,
        `${label}: Swagger UI shows ${call.shown} (the network saw ${call.network}), expected ${status}: ${body}`);
  if (authorization !== undefined) {
    check(call.authorization === authorization,
          `${label}: the browser sent Authorization ${JSON.stringify(call.authorization)}, expected ${JSON.stringify(authorization)}`);
  }
  if (bodyHas) check(call.body.includes(bodyHas), `${label}: the response shown lacks ${JSON.stringify(bodyHas)}: ${body}`);
}

(async () => {
  const timer = setTimeout(() => {
    console.error(`swagger authorize: FAILED: not done after ${TOTAL_TIMEOUT_MS / 1000} s`);
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  check(base && clientId && clientSecret, 'usage: swagger-authorize.cjs BASE_URL CLIENT_ID CLIENT_SECRET');

  const schemes = await documentedSchemes();
  const PROFILE = ['get', '/api/accounts/profile/'];
  const USERS = ['get', '/api/accounts/users/'];
  // The calls below rely on Swagger UI sending the credentials, which it does only for
  // an operation that lists the scheme.
  for (const [scheme, [method, path]] of [['jwt', PROFILE], ['basic', USERS], ['oauth2', PROFILE]]) {
    check(schemes(method, path).has(scheme),
          `the document's ${method.toUpperCase()} ${path} does not list ${scheme} in its security`);
  }
  const access = await jwtAccessToken();

  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    // Without the background-networking flags Chromium's own connections (refused on a
    // closed network) slow it down.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }).catch(e => { throw new Error(`launching ${executablePath}: ${e.message}`); });
  const results = {};
  try {
    // jwt, with the anonymous call first in the same page: only the dialog changes.
    await inFreshPage(browser, 'jwt', async page => {
      const anonymous = await execute(page, ...PROFILE);
      expectCall('anonymous GET /api/accounts/profile/', anonymous, 401,
                 { authorization: null, bodyHas: 'not_authenticated' });
      results.anonymous = anonymous.shown;

      await openAuthorize(page);
      const form = authForm(page, /^jwt\b/);
      await form.locator('input#auth-bearer-value').fill(access);
      await form.locator('button.authorize').click();
      await form.locator('button', { hasText: 'Logout' }).waitFor();
      await closeAuthorize(page);

      const call = await execute(page, ...PROFILE);
      expectCall('jwt GET /api/accounts/profile/', call, 200,
                 { authorization: `Bearer ${access}`, bodyHas: `"${USERNAME}"` });
      results.jwt = call.shown;
    });

    await inFreshPage(browser, 'basic', async page => {
      await openAuthorize(page);
      const form = authForm(page, /^basic\b/);
      await form.locator('input#auth-basic-username').fill(USERNAME);
      await form.locator('input#auth-basic-password').fill(PASSWORD);
      await form.locator('button.authorize').click();
      await form.locator('button', { hasText: 'Logout' }).waitFor();
      await closeAuthorize(page);

      const call = await execute(page, ...USERS);
      const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
      expectCall('basic GET /api/accounts/users/', call, 200,
                 { authorization: basic, bodyHas: `"${USERNAME}"` });
      results.basic = call.shown;
    });

    await inFreshPage(browser, 'oauth2', async page => {
      await openAuthorize(page);
      const form = authForm(page, /^oauth2 \(OAuth2, password\)/);
      await form.locator('#oauth_username').fill(USERNAME);
      await form.locator('#oauth_password').fill(PASSWORD);
      await form.locator('#client_id_password').fill(clientId);
      await form.locator('#client_secret_password').fill(clientSecret);
      for (const scope of ['read', 'write']) {
        await form.locator(`label[for="${scope}-password-checkbox-oauth2"]`).click();
      }
      const tokenSent = page.waitForResponse(r => new URL(r.url()).pathname === '/o/token/');
      await form.locator('button.authorize').click();
      const tokenResponse = await tokenSent;
      const token = await tokenResponse.json().catch(() => ({}));
      check(tokenResponse.status() === 200 && token.access_token,
            `POST /o/token/ from the dialog: ${tokenResponse.status()} ${JSON.stringify(token)}`);
      await form.locator('button', { hasText: 'Logout' }).waitFor();
      await closeAuthorize(page);

      const call = await execute(page, ...PROFILE);
      expectCall('oauth2 GET /api/accounts/profile/', call, 200,
                 { authorization: `Bearer ${token.access_token}`, bodyHas: `"${USERNAME}"` });
      results.oauth2 = call.shown;
    });
  } finally {
    await browser.close();
  }
  clearTimeout(timer);
  console.log(`swagger authorize: ok (jwt ${results.jwt}, basic ${results.basic}, `
    + `oauth2 ${results.oauth2}; anonymous ${results.anonymous})`);
})().catch(e => {
  console.error(`swagger authorize: FAILED: ${e.message}`);
  process.exit(1);
});
