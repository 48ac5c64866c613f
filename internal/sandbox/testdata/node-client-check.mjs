// HubSpot's official Node client (@hubspot/api-client, version pinned in
// package.json) against SimCRM's sandbox: create a batch of contacts, read them
// back, and get a typed 409 for an email that exists. Exits non-zero on any failure.
//
//   SANDBOX_BASE_URL=http://127.0.0.1:8090 SANDBOX_TOKEN=… node node-client-check.mjs
import assert from 'node:assert/strict';
import hubspot from '@hubspot/api-client';
import { ApiException } from '@hubspot/api-client/lib/codegen/crm/contacts/apis/exception.js';

const basePath = process.env.SANDBOX_BASE_URL;
const accessToken = process.env.SANDBOX_TOKEN;
if (!basePath || !accessToken) {
  console.error('set SANDBOX_BASE_URL and SANDBOX_TOKEN');
  process.exit(2);
}

const client = new hubspot.Client({ accessToken, basePath });
const run = Date.now().toString(36);
const emails = [1, 2, 3].map((i) => `node-${run}-${i}@example.com`);

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}\n${err?.stack ?? err}`);
    process.exit(1);
  }
}

let ids = [];

await step('batch create 3 contacts', async () => {
  const res = await client.crm.contacts.batchApi.create({
    inputs: emails.map((email, i) => ({ properties: { email, firstname: `Node${i + 1}`, lifecyclestage: 'lead' }, associations: [] })),
  });
  assert.equal(res.status, 'COMPLETE');
  assert.equal(res.results.length, 3);
  for (const r of res.results) {
    assert.match(r.id, /^\d+$/);
    assert.ok(r.createdAt instanceof Date && !Number.isNaN(r.createdAt.getTime()), 'createdAt is a date');
    assert.equal(r.archived, false);
  }
  const byEmail = new Map(res.results.map((r) => [r.properties.email, r.id]));
  ids = emails.map((e) => byEmail.get(e));
  assert.ok(ids.every(Boolean), 'every email came back');
});

await step('batch read them back', async () => {
  const res = await client.crm.contacts.batchApi.read({
    inputs: ids.map((id) => ({ id })),
    properties: ['email', 'firstname', 'lifecyclestage'],
    propertiesWithHistory: [],
  });
  assert.equal(res.results.length, 3);
  for (const r of res.results) {
    const i = ids.indexOf(r.id);
    assert.ok(i >= 0, `unexpected id ${r.id}`);
    assert.equal(r.properties.email, emails[i]);
    assert.equal(r.properties.firstname, `Node${i + 1}`);
    assert.equal(r.properties.lifecyclestage, 'lead');
  }
});

await step('read one by id and by email', async () => {
  const one = await client.crm.contacts.basicApi.getById(ids[0], ['email']);
  assert.equal(one.properties.email, emails[0]);
  const byEmail = await client.crm.contacts.basicApi.getById(emails[1], ['email'], undefined, undefined, false, 'email');
  assert.equal(byEmail.id, ids[1]);
});

await step('typed 409 for an existing email', async () => {
  try {
    await client.crm.contacts.batchApi.create({
      inputs: [
        { properties: { email: `node-${run}-fresh@example.com` }, associations: [] },
        { properties: { email: emails[0] }, associations: [] },
      ],
    });
  } catch (err) {
    assert.ok(err instanceof ApiException, `want an ApiException, got ${err?.constructor?.name}`);
    assert.equal(err.code, 409);
    assert.equal(err.body.category, 'CONFLICT');
    assert.equal(err.body.message, `Contact already exists. Existing ID: ${ids[0]}`);
    assert.match(err.body.correlationId, /^[0-9a-f-]{36}$/);
    return;
  }
  assert.fail('the batch with an existing email was accepted');
});

await step('the failed batch created nothing', async () => {
  const res = await client.crm.contacts.searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: `node-${run}-fresh@example.com` }] }],
    sorts: [], properties: ['email'], limit: 10, after: '0',
  });
  assert.equal(res.total, 0);
});

console.log('HubSpot Node client check passed');
