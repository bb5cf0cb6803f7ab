// The options page: where the meetings service is, the CRM addresses the extension acts on (besides SuperOffice
// Online), and this browser's connection to the service. Asks for access to an address when it is saved or added
// (a permission request needs the click's user gesture).

import "./messages.js";
import {
  CONNECTION_KEY,
  clearConnection,
  getBackendUrl,
  getConnection,
  normaliseBackendUrl,
  permissionPattern,
  setBackendUrl,
} from "./config.js";
import {
  addCrmOrigin,
  coveredByOnline,
  getCrmOrigins,
  injectIntoOpenTabs,
  normaliseCrmOrigin,
  originPattern,
  removeCrmOrigin,
} from "./crm_origins.js";

const { MessageType } = globalThis.meetings;
const t = (key, ...substitutions) => chrome.i18n.getMessage(key, substitutions);
const form = document.getElementById("options-form");
const input = document.getElementById("backend-url");
const status = document.getElementById("status");
const state = document.getElementById("connection-state");
const connect = document.getElementById("connect");
const disconnect = document.getElementById("disconnect");
const crmForm = document.getElementById("crm-form");
const crmInput = document.getElementById("crm-address");
const crmList = document.getElementById("crm-addresses");
const crmStatus = document.getElementById("crm-status");

// Whether the extension may reach `pattern`, asking the person if need be. Called straight away in a click's
// handler: the request needs that user gesture; the browser answers at once when already granted.
async function mayReach(pattern) {
  const origins = [pattern];
  return (await chrome.permissions.contains({ origins })) || chrome.permissions.request({ origins });
}

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

function reportCrm(message, isError = false) {
  crmStatus.textContent = message;
  crmStatus.classList.toggle("error", isError);
}

async function showCrmOrigins() {
  const items = (await getCrmOrigins()).map((origin) => {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.textContent = t("remove");
    remove.setAttribute("aria-label", t("removeCrmAddress", origin));
    remove.addEventListener("click", async () => {
      await removeCrmOrigin(origin);
      reportCrm(t("crmRemoved", origin));
      await showCrmOrigins();
    });
    const item = document.createElement("li");
    item.append(origin, remove);
    return item;
  });
  if (!items.length) {
    const none = document.createElement("li");
    none.textContent = t("crmNone");
    items.push(none);
  }
  crmList.replaceChildren(...items);
}

async function show() {
  input.value = await getBackendUrl();
  await Promise.all([showConnection(), showCrmOrigins()]);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const url = normaliseBackendUrl(input.value);
  if (!url) {
    report(t("optionsInvalidUrl"), true);
    input.focus();
    return;
  }
  if (!(await mayReach(permissionPattern(url)))) {
    report(t("optionsPermissionDenied", url), true);
    return;
  }
  await setBackendUrl(url);
  input.value = url;
  report(t("optionsSaved", url));
  await showConnection();
});

crmForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const origin = normaliseCrmOrigin(crmInput.value);
  if (!origin) {
    reportCrm(t("crmInvalidAddress"), true);
    crmInput.focus();
    return;
  }
  if (coveredByOnline(origin)) {
    reportCrm(t("crmOnlineCovered"));
    return;
  }
  if (!(await mayReach(originPattern(origin)))) {
    reportCrm(t("crmPermissionDenied", origin), true);
    return;
  }
  await addCrmOrigin(origin);
  await injectIntoOpenTabs([origin]); // a CRM tab already open gets the extension without a reload
  crmInput.value = "";
  reportCrm(t("crmAdded", origin));
  await showCrmOrigins();
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
