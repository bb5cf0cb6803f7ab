// The service worker's one message router: each type has one handler; unknown types are an error. Messages reach it
// only through message_guard.js (sender and shape checked).

import "./messages.js";
import { callApi } from "./api.js";
import { openConnectWindow } from "./connect_window.js";
import { getConnection } from "./config.js";

const { MessageType } = globalThis.meetings;

async function forAppointments(ids) {
  const unique = [...new Set(ids.filter((id) => Number.isInteger(id) && id > 0))];
  if (!unique.length) return [];
  return callApi("GET", `/api/meetings?${unique.map((id) => `appointment=${id}`).join("&")}`);
}

export async function route(message) {
  switch (message?.type) {
    case MessageType.CONNECTION_STATUS:
      return { connected: Boolean(await getConnection()) }; // no token, address or name: a CRM page may ask
    case MessageType.CONNECT_EXTENSION:
      return openConnectWindow();
    case MessageType.MEETING_CREATE:
      return callApi("POST", "/api/meetings", message.meeting);
    case MessageType.MEETING_UPDATE:
      return callApi("PATCH", `/api/meetings/${encodeURIComponent(message.id)}`, message.changes);
    case MessageType.MEETING_REMOVE:
      return callApi("DELETE", `/api/meetings/${encodeURIComponent(message.id)}`);
    case MessageType.SETTINGS:
      return callApi("GET", "/api/settings");
    case MessageType.MEETINGS_FOR_APPOINTMENTS:
      return forAppointments(message.appointmentIds || []);
    default:
      throw new Error(`Unknown message type: ${message?.type}`);
  }
}
