// Real-browser end-to-end test: a pharmacist opens the verification queue, finds an order whose dose breaks an
// absolute cap (vincristine 3 mg > 2 mg), sees the hard stop with its numbers and source beside the patient's
// context, is refused when verifying without a reason, gives the override reason and verifies; the order page
// then shows the decision with the override.
//
// Setup (a synthetic patient with weight, height and creatinine, and the order) goes through the JSON API with the
// pharmacist's token; everything the test asserts is done in the browser. `bash e2e/run.sh` sets the environment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '');
const USERNAME = process.env.E2E_PHARMACIST ?? 'e2e-pharmacist';
const PASSWORD = process.env.E2E_PASSWORD ?? '';
const TOKEN = process.env.E2E_PHARMACIST_TOKEN ?? '';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));
const ACTION_TIMEOUT_MS = 15_000;

function step(msg) {
  console.log(`  [e2e] ${msg}`);
}

async function api(method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function setUp() {
  const suffix = String(Date.now()).slice(-7);
  const patient = await api('POST', '/api/v1/patients', {
    mrn: `PH${suffix}`, given_name: 'Grace', family_name: `Verifytest${suffix}`, birth_date: '1958-02-03', sex: 'female',
  });
  const now = new Date().toISOString();
  const base = `/api/v1/patients/${patient.id}`;
  await api('POST', `${base}/measurements`, { kind: 'weight', value: '64', unit: 'kg', measured_at: now });
  await api('POST', `${base}/measurements`, { kind: 'height', value: '162', unit: 'cm', measured_at: now });
  await api('POST', `${base}/labs`, { loinc: '2160-0', value: '0.8', unit: 'mg/dL', collected_at: now });
  await api('POST', `${base}/access-devices`, { kind: 'port', site: 'right chest', inserted_on: '2026-10-01' });
  const order = await api('POST', '/api/v1/orders', {
    patient_id: patient.id, prescriber_name: 'Dr Synthetic Oncologist', prescriber_npi: '1234567893',
    drug_code: 'vincristine', dose: { value: '3', unit: 'mg' }, route: 'iv', frequency: 'once', priority: 'stat',
    start_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  assert.equal(order.status, 'pending_verification');
  return { patient, order };
}

test('a pharmacist verifies an order with a hard stop by overriding it with a reason', { timeout: 60_000 }, async () => {
  assert.ok(BASE_URL && PASSWORD && TOKEN, 'run through `bash e2e/run.sh`');
  const { patient, order } = await setUp();
  step(`order ${order.rx_number} for ${patient.family_name}`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH, headless: true, timeout: ACTION_TIMEOUT_MS,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  try {
    step('sign in');
    await page.goto(`${BASE_URL}/login`);
    await page.getByLabel('Username', { exact: true }).fill(USERNAME);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const nav = page.locator('nav[aria-label="Main"]');
    await nav.getByRole('link', { name: 'Verification', exact: true }).click();

    step('the queue lists the stat order first');
    await page.waitForURL((u) => u.pathname === '/verification');
    const firstRow = page.locator('table tbody tr').first();
    assert.match(await firstRow.innerText(), new RegExp(patient.family_name));
    assert.match(await firstRow.innerText(), /stat/);
    await firstRow.getByRole('link', { name: new RegExp(patient.family_name) }).click();

    step('the verification page shows the hard stop with its numbers and source, and the patient context');
    await page.waitForURL((u) => u.pathname === `/verification/${order.id}`);
    const hardStop = page.locator('.alert[data-code="max_dose"]');
    await hardStop.waitFor({ state: 'visible' });
    const alertText = await hardStop.innerText();
    assert.match(alertText, /Hard stop/);
    assert.match(alertText, /3 mg/);
    assert.match(alertText, /Source:/);
    const context = await page.locator('#h-context').locator('..').innerText();
    assert.match(context, /Implanted port/);
    assert.match(context, /Creatinine/);

    step('verify without a reason is refused');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.notice.error[role="alert"]').waitFor({ state: 'visible' });
    assert.match(await page.locator('.notice.error[role="alert"]').innerText(), /needs an override/);

    step('override with a reason and verify');
    await page.getByLabel(/Override reason for the hard stop/).fill('Dose confirmed with the prescriber: protocol without cap');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/orders/${order.id}`);
    const facts = await page.locator('#h-order').locator('..').innerText();
    assert.match(facts, /Verified/);
    const decisions = await page.locator('#h-verifications').locator('..').innerText();
    assert.match(decisions, /verified/);
    assert.match(decisions, /Dose confirmed with the prescriber/);
    assert.deepEqual(pageErrors, []);
  } catch (err) {
    await page.screenshot({ path: `${RESULTS_DIR}/pharmacist-verification.png`, fullPage: true }).catch(() => {});
    await writeFile(`${RESULTS_DIR}/pharmacist-verification.html`, await page.content()).catch(() => {});
    throw err;
  } finally {
    await browser.close();
  }
});
