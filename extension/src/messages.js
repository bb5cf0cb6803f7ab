// Message types between the content script / options page and the service worker.

export const MessageType = Object.freeze({
  CONNECTION_STATUS: "connection.status",
  CONNECT_EXTENSION: "connection.open",
  MEETING_CREATE: "meeting.create",
  MEETING_UPDATE: "meeting.update",
  MEETING_REMOVE: "meeting.remove",
  MEETINGS_FOR_APPOINTMENTS: "meeting.forAppointments",
  SETTINGS: "settings.get",
});
