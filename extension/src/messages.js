// Message types between the content script / options page and the service worker.
// A classic script (content scripts cannot be ES modules) that ES modules load for its side effect too:
// `import "./messages.js"` then `globalThis.meetings.MessageType`.
(() => {
  const meetings = (globalThis.meetings ||= {});

  meetings.MessageType = Object.freeze({
    CONNECTION_STATUS: "connection.status",
    CONNECT_EXTENSION: "connection.open",
    MEETING_CREATE: "meeting.create",
    MEETING_UPDATE: "meeting.update",
    MEETING_REMOVE: "meeting.remove",
    MEETINGS_FOR_APPOINTMENTS: "meeting.forAppointments",
    SETTINGS: "settings.get",
    // From the worker to the CRM tabs: the connection or the service address changed.
    CONNECTION_CHANGED: "connection.changed",
  });
})();
