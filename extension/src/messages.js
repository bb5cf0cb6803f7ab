// Message types between the content script / options page and the service worker.

export const MessageType = Object.freeze({
  CONNECTION_STATUS: "connection.status",
  OPEN_OPTIONS: "options.open",
});
