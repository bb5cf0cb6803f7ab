// After a user connected their provider in a window the extension opened: tell the opener, then close.
const section = document.querySelector("[data-connected-provider]");
const provider = section?.dataset.connectedProvider;
const CLOSE_AFTER_MS = 1500; // long enough to read "connected"

if (provider && window.opener) {
  // Only the fact that it happened is sent; tokens never leave the server.
  window.opener.postMessage({ type: "meetings:connected", provider }, "*");
  setTimeout(() => window.close(), CLOSE_AFTER_MS);
}
document.querySelector("[data-closes-window]")?.addEventListener("click", () => window.close());
