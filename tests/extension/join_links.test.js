// Which join links the extension opens: https always, http only to this computer and only in the development build.
import assert from "node:assert/strict";
import { test } from "node:test";

import "../../extension/src/join_links.js";

const { openableJoinUrl } = globalThis.meetings.joinLinks;
const DEVELOPMENT = { host_permissions: ["http://127.0.0.1/*", "http://localhost/*", "https://*.superoffice.com/*"] };
const STORE = { host_permissions: ["https://*.superoffice.com/*"] };

test("https links open in every build", () => {
  assert.equal(openableJoinUrl("https://zoom.us/j/123?pwd=abc", STORE), "https://zoom.us/j/123?pwd=abc");
  assert.equal(openableJoinUrl("https://zoom.us/j/123", DEVELOPMENT), "https://zoom.us/j/123");
});

test("http links open only to a loopback host, and only in the development build", () => {
  assert.equal(openableJoinUrl("http://127.0.0.1:8001/zoom/j/1", DEVELOPMENT), "http://127.0.0.1:8001/zoom/j/1");
  assert.equal(openableJoinUrl("http://localhost:8001/zoom/j/1", DEVELOPMENT), "http://localhost:8001/zoom/j/1");
  assert.equal(openableJoinUrl("http://127.0.0.1:8001/zoom/j/1", STORE), null);
  assert.equal(openableJoinUrl("http://zoom.example/j/1", DEVELOPMENT), null);
});

test("anything else is never opened", () => {
  for (const url of [
    "javascript:alert(1)",
    "data:text/html,hi",
    "chrome://settings",
    "file:///etc/passwd",
    "https://user:pass@zoom.us/j/1",
    "not a url",
    "",
    null,
  ]) {
    assert.equal(openableJoinUrl(url, DEVELOPMENT), null, String(url));
  }
});
