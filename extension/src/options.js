// The options page: where the meetings service is. Asks for access to a non-default address at save time
// (a permission request needs the click's user gesture).

import { getBackendUrl, getConnection, normaliseBackendUrl, permissionPattern, setBackendUrl } from "./config.js";

const t = (key, ...substitutions) => chrome.i18n.getMessage(key, substitutions);
const form = document.getElementById("options-form");
const input = document.getElementById("backend-url");
const status = document.getElementById("status");

function report(message, isError = false) {
  status.textContent = message;
  status.classList.toggle("error", isError);
}

async function show() {
  input.value = await getBackendUrl();
  document.getElementById("connection-state").textContent = (await getConnection()) ? "Connected." : "Not connected.";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const url = normaliseBackendUrl(input.value);
  if (!url) {
    report(t("optionsInvalidUrl"), true);
    input.focus();
    return;
  }
  const origins = [permissionPattern(url)];
  // Request straight away, inside the click's user gesture; the browser answers at once when already granted.
  const granted = (await chrome.permissions.contains({ origins })) || (await chrome.permissions.request({ origins }));
  if (!granted) {
    report(t("optionsPermissionDenied", url), true);
    return;
  }
  await setBackendUrl(url);
  input.value = url;
  report(t("optionsSaved", url));
});

show();
