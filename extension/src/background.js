// The service worker: wiring only. Listeners are registered at the top level (the worker stops when idle and
// is started again by the next event) and no state lives in globals: chrome.storage is the source of truth.

import "./messages.js";
import { ensureSyncAlarm, onAlarm, onNotificationClick, syncAlarms } from "./alarms.js";
import { CONNECTION_KEY, getConnection } from "./config.js";
import { onTabUpdated } from "./connect_window.js";
import { getCrmOrigins, injectIntoOpenTabs, notifyCrmTabs, registerCrmScripts } from "./crm_origins.js";
import { refusal } from "./message_guard.js";
import { route } from "./router.js";

const { MessageType } = globalThis.meetings;
const CHANGES = new Set([MessageType.MEETING_CREATE, MessageType.MEETING_UPDATE, MessageType.MEETING_REMOVE]);

// The token (and every other setting) in storage.local is for the worker and the extension's pages only: content
// scripts, which share a process with the CRM page, cannot read it. The browser keeps this setting; set it anyway.
function keepStorageFromContentScripts() {
  return chrome.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});
}

async function answer(message, sender) {
  const refused = refusal(message, sender, { extensionId: chrome.runtime.id, crmOrigins: await getCrmOrigins() });
  if (refused) return { ok: false, error: { code: "refused", message: `Refused: ${refused}.` } };
  try {
    const result = await route(message);
    if (CHANGES.has(message.type)) syncAlarms();
    return { ok: true, result };
  } catch (error) {
    const json = typeof error?.toJSON === "function" ? error.toJSON() : null;
    return { ok: false, error: json || { code: "error", message: String(error?.message || error) } };
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  answer(message, sender).then(sendResponse);
  return true; // the answer is sent asynchronously
});

chrome.alarms.onAlarm.addListener((alarm) => onAlarm(alarm));
chrome.tabs.onUpdated.addListener((tabId, change, tab) => onTabUpdated(tabId, change, tab));
chrome.storage.onChanged.addListener(async (changes, area) => {
  if (area !== "local" || !(changes[CONNECTION_KEY] || changes.backendUrl)) return;
  if (changes[CONNECTION_KEY]?.newValue) syncAlarms(); // a newly connected browser gets its alarms
  // Open CRM pages look again at what they could not look up before (diary marks, a dialog's meeting).
  notifyCrmTabs({ type: MessageType.CONNECTION_CHANGED, connected: Boolean(await getConnection()) });
});
chrome.notifications.onClicked.addListener((id) => onNotificationClick(id));
chrome.notifications.onButtonClicked.addListener((id) => onNotificationClick(id));
chrome.runtime.onStartup.addListener(() => syncAlarms());
chrome.runtime.onInstalled.addListener(async ({ reason }) => {
  await keepStorageFromContentScripts();
  await registerCrmScripts().catch(() => {}); // the open tabs get the script even if registering failed
  if (reason === "install" || reason === "update") await injectIntoOpenTabs(); // their old content script stood down
  await syncAlarms();
});

// Every start of the worker: dynamically registered content scripts can be lost, the sync alarm must exist.
keepStorageFromContentScripts();
registerCrmScripts().catch(() => {});
ensureSyncAlarm();

// For people debugging the extension (and for tests, which cannot click a system notification).
globalThis.meetingsExtension = { syncAlarms, onAlarm, onNotificationClick };
