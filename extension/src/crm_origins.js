// Where the content script runs: SuperOffice Online through the manifest's static content script, and the CRM
// addresses a person adds in the options (the sandbox, on-site installations), each an exact origin with its
// port, registered with chrome.scripting. Never every local port. Used by the worker and the options page.

import { webAddress } from "./config.js";

const KEY = "crmOrigins";
const SCRIPT_ID = "crm-addresses";

// The content scripts in load order: classic scripts sharing globalThis.meetings (content scripts cannot be ES
// modules, and this way the page can load none of the extension's files: no web_accessible_resources).
// manifest.json lists the same files for SuperOffice Online.
export const CONTENT_SCRIPT_FILES = [
  "src/messages.js",
  "src/join_links.js",
  "src/so_protocol.js",
  "src/crm_profiles.js",
  "src/crm_adapter.js",
  "src/meeting_text.js",
  "src/shadow_dom.js",
  "src/video_controls.js",
  "src/marks.js",
  "src/worker_link.js",
  "src/dialog_meeting.js",
  "src/content.js",
];

// SuperOffice Online: tenants on numbered hosts (online3, sod2, ...) under /Cust<number>.
export const ONLINE_PATTERNS = ["https://*.superoffice.com/Cust*"];

function isOnlineHost(hostname) {
  return hostname === "superoffice.com" || hostname.endsWith(".superoffice.com");
}

export function isOnlineCrmUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.protocol === "https:" && isOnlineHost(url.hostname) && url.pathname.startsWith("/Cust");
}

// The CRM's origin from an address a person typed or pasted (any page of the CRM will do), or null.
export function normaliseCrmOrigin(text) {
  return webAddress(text)?.origin ?? null;
}

// Whether SuperOffice Online's own content script covers this address already.
export function coveredByOnline(origin) {
  const url = new URL(origin);
  return url.protocol === "https:" && isOnlineHost(url.hostname);
}

// Whether a page (or frame) at `text` is a CRM page the extension acts in.
export function isCrmAddress(text, crmOrigins) {
  if (isOnlineCrmUrl(text)) return true;
  try {
    return crmOrigins.includes(new URL(text).origin);
  } catch {
    return false;
  }
}

export const originPattern = (origin) => `${origin}/*`;

export async function getCrmOrigins() {
  const { [KEY]: origins = [] } = await chrome.storage.local.get(KEY);
  return origins;
}

export async function addCrmOrigin(origin) {
  const origins = await getCrmOrigins();
  if (!origins.includes(origin)) await chrome.storage.local.set({ [KEY]: [...origins, origin] });
  await registerCrmScripts();
}

export async function removeCrmOrigin(origin) {
  await chrome.storage.local.set({ [KEY]: (await getCrmOrigins()).filter((known) => known !== origin) });
  await registerCrmScripts();
}

// Makes the registered content script match the stored addresses (those the browser still lets us reach).
// Called on every worker start too: dynamically registered scripts can be lost (an update, a reload). One call at a
// time in this worker (its start and onInstalled come together), so two never both register.
let registering = Promise.resolve();

export function registerCrmScripts() {
  const next = registering.then(matchRegisteredScripts, matchRegisteredScripts);
  registering = next.catch(() => {});
  return next;
}

async function matchRegisteredScripts() {
  const granted = [];
  for (const origin of await getCrmOrigins()) {
    if (await chrome.permissions.contains({ origins: [originPattern(origin)] })) granted.push(origin);
  }
  const matches = granted.map(originPattern);
  const [existing] = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (!matches.length) {
    if (existing) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    return;
  }
  const script = { id: SCRIPT_ID, matches, js: CONTENT_SCRIPT_FILES, allFrames: true, runAt: "document_idle" };
  const same = (a, b) => a.length === b.length && a.every((item, index) => item === b[index]);
  if (existing && same(existing.matches, matches) && same(existing.js, CONTENT_SCRIPT_FILES)) return;
  if (existing) {
    await chrome.scripting.updateContentScripts([script]);
    return;
  }
  try {
    await chrome.scripting.registerContentScripts([{ ...script, persistAcrossSessions: true }]);
  } catch {
    await chrome.scripting.updateContentScripts([script]); // registered meanwhile by a concurrent start
  }
}

async function crmTabs(origins = null) {
  const patterns = origins ? origins.map(originPattern) : [...ONLINE_PATTERNS, ...(await getCrmOrigins()).map(originPattern)];
  return patterns.length ? chrome.tabs.query({ url: patterns }) : [];
}

// Open CRM tabs get the content script after an install or update (the old one stands down by itself) or when
// their address is added. A tab we may not script is skipped.
export async function injectIntoOpenTabs(origins = null) {
  for (const tab of await crmTabs(origins)) {
    await chrome.scripting
      .executeScript({ target: { tabId: tab.id, allFrames: true }, files: CONTENT_SCRIPT_FILES })
      .catch(() => {});
  }
}

// Tells the content scripts in open CRM tabs something (they listen only to this extension's worker).
export async function notifyCrmTabs(message) {
  for (const tab of await crmTabs()) chrome.tabs.sendMessage(tab.id, message).catch(() => {});
}
