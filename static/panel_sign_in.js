// The web panel's sign-in window: hand the code to the panel frame that opened it, then close.
// The code goes only to a window of this very origin (our panel page); it is useless without the panel's verifier.
const holder = document.querySelector("[data-panel-code]");
const CLOSE_AFTER_MS = 800;

if (holder && window.opener) {
  window.opener.postMessage({ type: "meetings:panel-code", code: holder.dataset.panelCode }, location.origin);
  setTimeout(() => window.close(), CLOSE_AFTER_MS);
}
document.querySelector("[data-closes-window]")?.addEventListener("click", () => window.close());
