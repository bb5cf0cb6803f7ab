// Pure logic of the extension, run with Node's own test runner: `node --test tests/extension/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { normaliseBackendUrl, permissionPattern } from "../../extension/src/config.js";

test("an address is kept as origin and path without trailing slashes", () => {
  assert.equal(normaliseBackendUrl(" https://meetings.example.com/ "), "https://meetings.example.com");
  assert.equal(normaliseBackendUrl("https://example.com/meetings//"), "https://example.com/meetings");
  assert.equal(normaliseBackendUrl("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
});

test("anything but a plain http(s) address is refused", () => {
  for (const text of [
    "",
    "meetings.example.com",
    "ftp://meetings.example.com",
    "javascript:alert(1)",
    "https://user:pass@meetings.example.com",
    "https://meetings.example.com/?next=x",
    "https://meetings.example.com/#top",
  ]) {
    assert.equal(normaliseBackendUrl(text), null, text);
  }
});

test("the permission asked for covers the service's host on any port", () => {
  assert.equal(permissionPattern("https://meetings.example.com/base"), "https://meetings.example.com/*");
  assert.equal(permissionPattern("http://127.0.0.1:8000"), "http://127.0.0.1/*");
});
