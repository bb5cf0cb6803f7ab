// The worker answers only this extension's pages and its content script on a registered CRM address, and only
// messages of exactly the shape their type allows.
import assert from "node:assert/strict";
import { test } from "node:test";

import { refusal } from "../../extension/src/message_guard.js";

const EXTENSION_ID = "abcdefghijklmnopabcdefghijklmnop";
const SANDBOX = "http://127.0.0.1:8001";
const options = { extensionId: EXTENSION_ID, crmOrigins: [SANDBOX] };
const MEETING_ID = "0b9f8e52-6c3a-4d7e-9a41-2f7c1e9d5b60";
const KEY = "5f0c3a1e-8d2b-4c6f-b7a9-1e2d3c4b5a69";

const fromTab = (url, extra = {}) => ({ id: EXTENSION_ID, tab: { id: 4 }, url, origin: new URL(url).origin, ...extra });
const crmPage = fromTab(`${SANDBOX}/?date=2030-01-14`);
const optionsPage = { id: EXTENSION_ID, url: `chrome-extension://${EXTENSION_ID}/src/options.html`, tab: { id: 5 } };

const create = (meeting = {}) => ({
  type: "meeting.create",
  meeting: {
    topic: "Review",
    start: "2030-01-14T10:00:00.000Z",
    duration_minutes: 60,
    timezone: "Europe/Oslo",
    idempotency_key: KEY,
    appointment_id: null,
    alarm_minutes_before: 15,
    ...meeting,
  },
});

test("the content script on a registered CRM address and the extension's pages are answered", () => {
  assert.equal(refusal({ type: "connection.status" }, crmPage, options), null);
  assert.equal(refusal({ type: "connection.status" }, optionsPage, options), null);
  assert.equal(refusal(create(), crmPage, options), null);
  assert.equal(refusal({ type: "meeting.remove", id: MEETING_ID }, crmPage, options), null);
  assert.equal(refusal({ type: "meeting.forAppointments", appointmentIds: [1, 2, 3] }, crmPage, options), null);
  const update = { type: "meeting.update", id: MEETING_ID, changes: { topic: "Moved", appointment_id: 7 } };
  assert.equal(refusal(update, crmPage, options), null);
  // SuperOffice Online needs no registration: its tenants' pages, any numbered host.
  const online = fromTab("https://online3.superoffice.com/Cust12345/default.aspx?appointment.main?appointment_id=124");
  assert.equal(refusal({ type: "connection.status" }, online, options), null);
  assert.equal(refusal({ type: "connection.status" }, fromTab("https://sod2.superoffice.com/Cust1/x"), options), null);
});

test("other senders are refused", () => {
  const status = { type: "connection.status" };
  assert.match(refusal(status, { ...crmPage, id: "another-extension" }, options), /not from this extension/);
  assert.match(refusal(status, undefined, options), /not from this extension/);
  for (const sender of [
    fromTab("http://127.0.0.1:8002/"), // the same host on another port is another origin
    fromTab("http://localhost:8001/"),
    fromTab("https://evil.example/Cust12345/"),
    fromTab("http://online3.superoffice.com/Cust12345/"), // not https
    fromTab("https://online3.superoffice.com/login/"), // not a tenant's page
    fromTab("https://superoffice.com.evil.example/Cust1/"),
    { ...crmPage, origin: "null" }, // a sandboxed or about:blank frame inside the CRM page
    { id: EXTENSION_ID, url: `${SANDBOX}/` }, // claims the CRM's address without being in a tab
    { id: EXTENSION_ID, url: "chrome-extension://otherextensionid/page.html" },
  ]) {
    assert.match(refusal(status, sender, options), /not from a registered CRM address/, JSON.stringify(sender));
  }
});

test("messages of the wrong shape are refused", () => {
  const refused = [
    null,
    "connection.status",
    { type: "storage.get", key: "connection" },
    { type: "connection.status", extra: 1 },
    { type: "meeting.remove", id: "../settings" },
    { type: "meeting.remove", id: `${MEETING_ID}/join` },
    { type: "meeting.remove" },
    { type: "meeting.update", id: MEETING_ID, changes: { join_url: "https://evil.example" } },
    { type: "meeting.update", id: MEETING_ID, changes: { appointment_id: 0 } },
    { type: "meeting.update", id: MEETING_ID },
    { type: "meeting.forAppointments", appointmentIds: [] },
    { type: "meeting.forAppointments", appointmentIds: [1, -2] },
    { type: "meeting.forAppointments", appointmentIds: [1.5] },
    { type: "meeting.forAppointments", appointmentIds: ["1"] },
    { type: "meeting.forAppointments", appointmentIds: Array.from({ length: 201 }, (_, i) => i + 1) },
    { type: "meeting.forAppointments", appointmentIds: { length: 1, 0: 1 } },
    create({ idempotency_key: "not-a-uuid" }),
    create({ appointment_id: -1 }),
    create({ appointment_id: 3.5 }),
    create({ start: "tomorrow-ish" }),
    create({ duration_minutes: 0 }),
    create({ alarm_minutes_before: Number.NaN }),
    create({ topic: "x".repeat(501) }),
    create({ host_url: "https://evil.example" }),
    { ...create(), meeting: Object.assign(Object.create({ polluted: true }), create().meeting) },
  ];
  for (const message of refused) {
    assert.notEqual(refusal(message, crmPage, options), null, JSON.stringify(message));
  }
});
