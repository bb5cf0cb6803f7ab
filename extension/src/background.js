// The service worker: wiring only. Listeners are registered at the top level (the worker stops when idle and
// is started again by the next event) and no state lives in globals: chrome.storage is the source of truth.

import { route } from "./router.js";

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  route(message, sender).then(
    (result) => sendResponse({ ok: true, result }),
    (error) =>
      sendResponse({
        ok: false,
        error: typeof error?.toJSON === "function" ? error.toJSON() : { code: "error", message: String(error?.message || error) },
      }),
  );
  return true; // the answer is sent asynchronously
});
