// Where SuperOffice's web client says which follow-up is open: the SoProtocol part of its address.
import assert from "node:assert/strict";
import { test } from "node:test";

import "../../extension/src/so_protocol.js";

const { appointmentInAddress } = globalThis.meetings.soProtocol;
const ONLINE = "https://online3.superoffice.com/Cust12345/default.aspx";

test("a saved follow-up's id is read from after the second question mark", () => {
  assert.deepEqual(appointmentInAddress(`${ONLINE}?appointment.main?appointment_id=124`), {
    appointmentId: 124,
    isNew: false,
  });
  assert.deepEqual(appointmentInAddress(`${ONLINE}?appointment?appointment_id=7`), { appointmentId: 7, isNew: false });
  assert.deepEqual(appointmentInAddress(`${ONLINE}?appointment.main?foo=1&appointment_id=42&bar=x`), {
    appointmentId: 42,
    isNew: false,
  });
  // The sandbox's address keeps its own query (the diary's week) before the SoProtocol part.
  assert.deepEqual(appointmentInAddress("http://127.0.0.1:8001/?date=2030-01-14?appointment.main?appointment_id=3"), {
    appointmentId: 3,
    isNew: false,
  });
  assert.deepEqual(appointmentInAddress("http://127.0.0.1:8001/?appointment.main?appointment_id=9#top"), {
    appointmentId: 9,
    isNew: false,
  });
});

test("a new follow-up is new, with or without its flags, also percent-encoded", () => {
  const isNew = { appointmentId: null, isNew: true };
  assert.deepEqual(
    appointmentInAddress(`${ONLINE}?appointment.main[new=true]?appointment_id=0&doby=2026-12-01T10:00:00`),
    isNew,
  );
  assert.deepEqual(appointmentInAddress(`${ONLINE}?appointment.main?appointment_id=0`), isNew);
  assert.deepEqual(appointmentInAddress(`${ONLINE}?appointment.main%5Bnew%3Dtrue%5D?appointment_id=0`), isNew);
  assert.deepEqual(appointmentInAddress("http://127.0.0.1:8001/?appointment.main[new=true]?appointment_id=0"), isNew);
});

test("addresses without a follow-up in them say nothing", () => {
  for (const href of [
    ONLINE,
    `${ONLINE}?diary.main`,
    `${ONLINE}?contact.main?contact_id=124`,
    `${ONLINE}?appointment.main`,
    `${ONLINE}?appointment.main?appointment_id=`,
    `${ONLINE}?appointment.main?appointment_id=12abc`,
    `${ONLINE}?appointment.main?appointment_id=-4`,
    "http://127.0.0.1:8001/?date=2030-01-14",
    "https://example.com/?appointment_id=5",
    "",
    undefined,
    "%E0%A4%A", // not decodable: read as it is, and still nothing
  ]) {
    assert.equal(appointmentInAddress(href), null, String(href));
  }
});
