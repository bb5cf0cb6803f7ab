// The service worker: wiring only. Listeners are registered at the top level (the worker stops when idle and
// is started again by the next event) and no state lives in globals: chrome.storage is the source of truth.

import { onAlarm, onNotificationClick, syncAlarms } from "./alarms.js";
import { onTabUpdated } from "./connect_window.js";
import { MessageType } from "./messages.js";
import { route } from "./router.js";

const CHANGES = new Set([MessageType.MEETING_CREATE, MessageType.MEETING_UPDATE, MessageType.MEETING_REMOVE]);

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  route(message).then(
    (result) => {
      sendResponse({ ok: true, result });
      if (CHANGES.has(message?.type)) syncAlarms();
    },
    (error) =>
      sendResponse({
        ok: false,
        error: typeof error?.toJSON === "function" ? error.toJSON() : { code: "error", message: String(error?.message || error) },
      }),
  );
  return true; // the answer is sent asynchronously
});

chrome.alarms.onAlarm.addListener((alarm) => onAlarm(alarm));
chrome.tabs.onUpdated.addListener((tabId, change, tab) => onTabUpdated(tabId, change, tab));
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.connection?.newValue) syncAlarms(); // a newly connected browser gets its alarms
});
chrome.notifications.onClicked.addListener((id) => onNotificationClick(id));
chrome.notifications.onButtonClicked.addListener((id) => onNotificationClick(id));
chrome.runtime.onStartup.addListener(() => syncAlarms());
chrome.runtime.onInstalled.addListener(() => syncAlarms());

// For people debugging the extension (and for tests, which cannot click a system notification).
globalThis.meetingsExtension = { syncAlarms, onAlarm, onNotificationClick };
