// Real-browser end-to-end test: an intake user signs in, registers a patient
// with one invalid field, sees the inline error, fixes it, and finds the
// patient again by search.
//
// Driven by playwright-core against Debian's chromium (no browser download).
// Needs BASE_URL, E2E_USERNAME and E2E_PASSWORD; `bash e2e/run.sh` sets them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '');
const USERNAME = process.env.E2E_USERNAME ?? 'e2e-intake';
const PASSWORD = process.env.E2E_PASSWORD ?? '';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ACTION_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 55_000;

const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const UUID_RE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PATIENT_PATH_RE = new RegExp(`^/patients/(${UUID_RE})/?$`);

function randomLetters(n) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/** YYYY-MM-DD one year from today (UTC): always in the future whatever the server's zone. */
function oneYearFromToday() {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

/** Step logger, so a failure in the node:test output says how far we got. */
function step(msg) {
  console.log(`  [e2e] ${msg}`);
}

/** Waits until the page is on `pathname` (exact match, query string ignored). */
async function expectPath(page, pathname) {
  await page.waitForURL((u) => u.pathname.replace(/\/+$/, '') === pathname, {
    waitUntil: 'load',
  });
}

test(
  'signs in, registers a patient with one invalid field, sees the inline error, fixes it, and finds the patient by search',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    assert.ok(BASE_URL, 'BASE_URL must be set (run the test through `bash e2e/run.sh`)');
    assert.ok(PASSWORD, 'E2E_PASSWORD must be set (run the test through `bash e2e/run.sh`)');

    const mrn = `E2E${String(Date.now()).slice(-7)}`;
    const givenName = 'Ada';
    const familyName = `Testperson${randomLetters(6)}`;
    const futureBirthDate = oneYearFromToday();
    const validBirthDate = '1961-04-12';
    step(`patient under test: MRN=${mrn} family=${familyName}`);

    await mkdir(RESULTS_DIR, { recursive: true });

    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: ACTION_TIMEOUT_MS,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);

    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      // "Failed to load resource" is Chromium echoing a non-2xx status (the
      // expected 422, a missing favicon): not a script error.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
        pageErrors.push(`console.error: ${msg.text()}`);
      }
    });

    try {
      // ---- Sign in -------------------------------------------------------
      step('sign in');
      const loginResp = await page.goto(`${BASE_URL}/login`);
      assert.equal(loginResp?.status(), 200, 'GET /login should answer 200');
      await page.getByLabel('Username', { exact: true }).fill(USERNAME);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();

      const mainNav = page.locator('nav[aria-label="Main"]');
      const patientsLink = mainNav.getByRole('link', { name: 'Patients', exact: true });
      await patientsLink.waitFor({ state: 'visible' });
      assert.notEqual(
        new URL(page.url()).pathname,
        '/login',
        'after signing in the browser should have left /login',
      );

      // ---- Patients list -> registration form ----------------------------
      step('open Patients');
      await patientsLink.click();
      await expectPath(page, '/patients');

      step('open Register patient');
      await page.getByRole('link', { name: 'Register patient', exact: true }).click();
      await expectPath(page, '/patients/new');

      // ---- Fill the form with one invalid field (future birth date) ------
      step(`fill the form with a future birth date (${futureBirthDate})`);
      const mrnInput = page.getByLabel('MRN', { exact: true });
      const givenInput = page.getByLabel('Given name', { exact: true });
      const familyInput = page.getByLabel('Family name', { exact: true });
      const birthInput = page.getByLabel('Birth date', { exact: true });
      const sexSelect = page.getByLabel('Sex', { exact: true });
      const submit = page.getByRole('button', { name: 'Register patient', exact: true });

      await mrnInput.fill(mrn);
      await givenInput.fill(givenName);
      await familyInput.fill(familyName);
      assert.equal(await birthInput.getAttribute('type'), 'date', '"Birth date" should be an <input type="date">');
      await birthInput.fill(futureBirthDate);
      await sexSelect.selectOption({ value: 'female' });

      // The point of this step is the *server's* inline error. If the browser's
      // own constraint validation (e.g. a `max` on the date) blocks the submit,
      // the POST never happens: say so plainly instead of timing out.
      const nativelyBlocked = await birthInput.evaluate(
        (el) => !(el.form?.noValidate ?? false) && !el.checkValidity(),
      );
      assert.equal(
        nativelyBlocked,
        false,
        'browser-side validation would block this submit; give the form `novalidate` ' +
          '(or drop `max` on the birth date) so the server renders the inline error',
      );

      step('submit the invalid form');
      const [invalidResp] = await Promise.all([
        page.waitForResponse(
          (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
        ),
        submit.click(),
      ]);
      await page.waitForLoadState('load');
      assert.equal(invalidResp.status(), 422, 'an invalid registration should answer 422');

      // ---- The inline error ---------------------------------------------
      step('check the inline error');
      const birthError = page.locator('#birth_date-error');
      await birthError.waitFor({ state: 'visible' });
      assert.match(
        (await birthError.innerText()).trim(),
        /future/i,
        '#birth_date-error should say the birth date is in the future',
      );
      assert.equal(
        await page.getByLabel('Birth date', { exact: true }).getAttribute('aria-invalid'),
        'true',
        'the birth-date input should carry aria-invalid="true"',
      );
      const describedBy = (await birthInput.getAttribute('aria-describedby')) ?? '';
      assert.ok(
        describedBy.split(/\s+/).includes('birth_date-error'),
        `the birth-date input's aria-describedby should reference birth_date-error (got "${describedBy}")`,
      );
      assert.equal(
        await page.locator('[aria-invalid="true"]').count(),
        1,
        'only the birth date should be flagged invalid',
      );

      // Nothing the user typed is lost.
      assert.equal(await mrnInput.inputValue(), mrn, 'MRN should be kept after the 422');
      assert.equal(await givenInput.inputValue(), givenName, 'Given name should be kept after the 422');
      assert.equal(await familyInput.inputValue(), familyName, 'Family name should be kept after the 422');
      assert.equal(await sexSelect.inputValue(), 'female', 'Sex should be kept after the 422');

      // ---- Fix it and register ------------------------------------------
      step(`fix the birth date (${validBirthDate}) and resubmit`);
      await birthInput.fill(validBirthDate);
      await submit.click();
      await page.waitForURL((u) => PATIENT_PATH_RE.test(u.pathname), { waitUntil: 'load' });
      const patientPath = new URL(page.url()).pathname.replace(/\/+$/, '');
      const patientId = PATIENT_PATH_RE.exec(patientPath)[1];
      step(`registered: ${patientPath}`);
      await page.locator('h1', { hasText: familyName }).waitFor({ state: 'visible' });

      // ---- Find the patient by search -----------------------------------
      const findRow = () =>
        page.locator('table tbody tr').filter({ hasText: familyName }).filter({ hasText: mrn });

      step('search via the URL (?q=)');
      const searchResp = await page.goto(`${BASE_URL}/patients?q=${encodeURIComponent(familyName)}`);
      assert.equal(searchResp?.status(), 200, 'GET /patients?q=... should answer 200');
      await findRow().first().waitFor({ state: 'visible' });
      assert.equal(await findRow().count(), 1, 'exactly one row should match the new patient');

      step('search via the search box');
      await page.goto(`${BASE_URL}/patients`);
      const searchBox = page
        .locator('form[role="search"]')
        .getByLabel('Search patients', { exact: true });
      await searchBox.fill(familyName);
      await searchBox.press('Enter');
      await page.waitForURL(
        (u) => u.pathname.replace(/\/+$/, '') === '/patients' && u.searchParams.get('q') === familyName,
        { waitUntil: 'load' },
      );
      const row = findRow();
      await row.first().waitFor({ state: 'visible' });
      assert.equal(await row.count(), 1, 'exactly one row should match the new patient');

      step('open the patient from the results');
      const rowLink = row.locator(`a[href$="/patients/${patientId}"]`).first();
      await rowLink.click();
      await page.waitForURL((u) => u.pathname.replace(/\/+$/, '') === patientPath, {
        waitUntil: 'load',
      });
      await page.locator('h1', { hasText: familyName }).waitFor({ state: 'visible' });

      await page.screenshot({ path: `${RESULTS_DIR}final.png`, fullPage: true });
      step(`screenshot: ${RESULTS_DIR}final.png`);
      if (pageErrors.length) step(`browser-side errors seen (not fatal):\n    ${pageErrors.join('\n    ')}`);
    } catch (err) {
      console.error(`  [e2e] FAILED at ${page.url()}`);
      if (pageErrors.length) console.error(`  [e2e] browser-side errors:\n    ${pageErrors.join('\n    ')}`);
      try {
        await page.screenshot({ path: `${RESULTS_DIR}failure.png`, fullPage: true, timeout: 5_000 });
        await writeFile(`${RESULTS_DIR}failure.html`, await page.content());
        console.error(`  [e2e] saved ${RESULTS_DIR}failure.png and failure.html`);
      } catch (shotErr) {
        console.error(`  [e2e] could not save failure artefacts: ${shotErr}`);
      }
      throw err;
    } finally {
      await browser.close().catch(() => {});
    }
  },
);
