// The options page: where the meetings service is, and this browser's connection to it. Asks for access to a
// non-default address at save time (a permission request needs the click's user gesture).

import {
  CONNECTION_KEY,
  clearConnection,
  getBackendUrl,
  getConnection,
  normaliseBackendUrl,
  permissionPattern,
  setBackendUrl,
} from "./config.js";
import { MessageType } from "./messages.js";

const t = (key, ...substitutions) => chrome.i18n.getMessage(key, substitutions);
const form = document.getElementById("options-form");
const input = document.getElementById("backend-url");
const status = document.getElementById("status");
const state = document.getElementById("connection-state");
const connect = document.getElementById("connect");
const disconnect = document.getElementById("disconnect");

function report(message, isError = false) {
  status.textContent = message;
  status.classList.toggle("error", isError);
}

async function showConnection() {
  const connection = await getConnection();
  state.textContent = connection ? t("connectedAs", connection.label || (await getBackendUrl())) : t("notConnectedShort");
  disconnect.hidden = !connection;
  connect.textContent = connection ? t("connectAgain") : t("connect");
}

async function show() {
  input.value = await getBackendUrl();
  await showConnection();
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
  await showConnection();
});

connect.addEventListener("click", () => chrome.runtime.sendMessage({ type: MessageType.CONNECT_EXTENSION }));
disconnect.addEventListener("click", async () => {
  await clearConnection();
  await showConnection();
});
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes[CONNECTION_KEY] || changes.backendUrl)) showConnection();
});

show();
