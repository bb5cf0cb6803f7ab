// The service worker's one message router: each type has one handler; unknown types are an error.

import { getBackendUrl, getConnection } from "./config.js";
import { MessageType } from "./messages.js";

export async function route(message) {
  switch (message?.type) {
    case MessageType.CONNECTION_STATUS: {
      const [backendUrl, connection] = await Promise.all([getBackendUrl(), getConnection()]);
      return { backendUrl, connected: Boolean(connection) };
    }
    case MessageType.OPEN_OPTIONS:
      await chrome.runtime.openOptionsPage();
      return {};
    default:
      throw new Error(`Unknown message type: ${message?.type}`);
  }
}
