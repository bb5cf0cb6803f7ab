// The CRM addresses the extension acts on: SuperOffice Online by pattern, others as exact origins a person added.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  CONTENT_SCRIPT_FILES,
  ONLINE_PATTERNS,
  coveredByOnline,
  isCrmAddress,
  isOnlineCrmUrl,
  normaliseCrmOrigin,
  originPattern,
} from "../../extension/src/crm_origins.js";

const manifest = JSON.parse(readFileSync(new URL("../../extension/manifest.json", import.meta.url)));

test("an address a person pastes is kept as its exact origin, port included", () => {
  assert.equal(normaliseCrmOrigin(" http://127.0.0.1:8001/?date=2030-01-14 "), "http://127.0.0.1:8001");
  assert.equal(normaliseCrmOrigin("https://crm.example.com/SuperOffice/default.aspx"), "https://crm.example.com");
  assert.equal(originPattern("http://127.0.0.1:8001"), "http://127.0.0.1:8001/*");
  for (const text of ["", "crm.example.com", "ftp://crm.example.com", "javascript:alert(1)", "https://u:p@crm.example.com"]) {
    assert.equal(normaliseCrmOrigin(text), null, text);
  }
});

test("SuperOffice Online is every numbered host's tenant pages, over https only", () => {
  assert.ok(isOnlineCrmUrl("https://online3.superoffice.com/Cust12345/default.aspx?appointment.main?appointment_id=1"));
  assert.ok(isOnlineCrmUrl("https://sod2.superoffice.com/Cust26759/"));
  assert.ok(!isOnlineCrmUrl("http://online3.superoffice.com/Cust12345/"));
  assert.ok(!isOnlineCrmUrl("https://online3.superoffice.com/login/"));
  assert.ok(!isOnlineCrmUrl("https://superoffice.com.evil.example/Cust1/"));
  assert.ok(coveredByOnline("https://online3.superoffice.com"));
  assert.ok(!coveredByOnline("https://crm.example.com"));
});

test("a registered address is matched by origin, never by host alone", () => {
  const origins = ["http://127.0.0.1:8001"];
  assert.ok(isCrmAddress("http://127.0.0.1:8001/diary", origins));
  assert.ok(!isCrmAddress("http://127.0.0.1:8002/diary", origins));
  assert.ok(!isCrmAddress("https://127.0.0.1:8001/diary", origins));
  assert.ok(!isCrmAddress("not an address", origins));
});

test("the manifest's static content script is SuperOffice Online's only, with the files the worker registers", () => {
  const [script, ...others] = manifest.content_scripts;
  assert.deepEqual(others, []);
  assert.deepEqual(script.matches, ONLINE_PATTERNS);
  assert.deepEqual(script.js, CONTENT_SCRIPT_FILES);
  assert.equal(script.all_frames, true);
  for (const file of CONTENT_SCRIPT_FILES) readFileSync(new URL(`../../extension/${file}`, import.meta.url));
});

test("the page can load none of the extension's files", () => {
  assert.equal(manifest.web_accessible_resources, undefined);
  assert.equal(manifest.externally_connectable, undefined);
});
