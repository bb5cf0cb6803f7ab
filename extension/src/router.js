// The service worker's one message router: each type has one handler; unknown types are an error.

import { callApi } from "./api.js";
import { getBackendUrl, getConnection, setConnection } from "./config.js";
import { MessageType } from "./messages.js";

const CONNECT_WINDOW_KEY = "connectWindowId";

async function openConnectWindow() {
  const backendUrl = await getBackendUrl();
  const opened = await chrome.windows.create({
    url: `${backendUrl}/extension/connect`,
    type: "popup",
    width: 560,
    height: 720,
  });
  await chrome.storage.session.set({ [CONNECT_WINDOW_KEY]: opened.id });
  return {};
}

// The backend's /extension/connect page (read by our content script there) hands over the token. Only a page of
// the configured service may do that.
async function acceptToken(message, sender) {
  const backendUrl = await getBackendUrl();
  if (!sender.url || new URL(sender.url).origin !== new URL(backendUrl).origin) {
    throw new Error("A token may only come from the configured meetings service.");
  }
  await setConnection(String(message.token), backendUrl, String(message.label || ""));
  const { [CONNECT_WINDOW_KEY]: windowId } = await chrome.storage.session.get(CONNECT_WINDOW_KEY);
  if (windowId !== undefined && sender.tab?.windowId === windowId) {
    await chrome.storage.session.remove(CONNECT_WINDOW_KEY);
    setTimeout(() => chrome.windows.remove(windowId).catch(() => {}), 1200); // let the person read "connected"
  }
  return {};
}

async function forAppointments(ids) {
  const unique = [...new Set(ids.filter((id) => Number.isInteger(id) && id > 0))];
  if (!unique.length) return [];
  return callApi("GET", `/api/meetings?${unique.map((id) => `appointment=${id}`).join("&")}`);
}

export async function route(message, sender = {}) {
  switch (message?.type) {
    case MessageType.CONNECTION_STATUS: {
      const [backendUrl, connection] = await Promise.all([getBackendUrl(), getConnection()]);
      return { backendUrl, connected: Boolean(connection), label: connection?.label || "" };
    }
    case MessageType.CONNECT_EXTENSION:
      return openConnectWindow();
    case MessageType.EXTENSION_TOKEN:
      return acceptToken(message, sender);
    case MessageType.OPEN_OPTIONS:
      await chrome.runtime.openOptionsPage();
      return {};
    case MessageType.MEETING_CREATE:
      return callApi("POST", "/api/meetings", message.meeting);
    case MessageType.MEETING_UPDATE:
      return callApi("PATCH", `/api/meetings/${encodeURIComponent(message.id)}`, message.changes);
    case MessageType.MEETING_REMOVE:
      return callApi("DELETE", `/api/meetings/${encodeURIComponent(message.id)}`);
    case MessageType.MEETINGS_FOR_APPOINTMENTS:
      return forAppointments(message.appointmentIds || []);
    default:
      throw new Error(`Unknown message type: ${message?.type}`);
  }
}
