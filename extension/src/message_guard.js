// The worker trusts no page: a message is answered only when it comes from this extension (its own pages, or its
// content script in a frame on a registered CRM address) and has exactly the shape its type allows.
// Pure (no chrome.*), tested with node --test.

import "./messages.js";
import { isCrmAddress } from "./crm_origins.js";

const { MessageType } = globalThis.meetings;

const MAX_MESSAGE_CHARACTERS = 8000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isUuid = (value) => typeof value === "string" && UUID.test(value);
const isAppointmentId = (value) => Number.isSafeInteger(value) && value > 0 && value <= 2 ** 31 - 1;
const isText = (max) => (value) => typeof value === "string" && value.length <= max;
const isInteger = (min, max) => (value) => Number.isInteger(value) && value >= min && value <= max;
const isDate = (value) => typeof value === "string" && value.length <= 40 && !Number.isNaN(Date.parse(value));
const orNull = (check) => (value) => value === null || check(value);

function isPlainObject(value) {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

// An object with only these fields, each passing its check, the `required` ones present.
function fields(checks, required = []) {
  return (value) =>
    isPlainObject(value) &&
    required.every((name) => name in value) &&
    Object.entries(value).every(([name, item]) => Object.hasOwn(checks, name) && checks[name](item));
}

const MEETING_FIELDS = {
  topic: isText(500),
  start: isDate,
  duration_minutes: isInteger(1, 60 * 24 * 31),
  alarm_minutes_before: orNull(isInteger(0, 60 * 24 * 28)),
};

const SHAPES = {
  [MessageType.CONNECTION_STATUS]: fields({}),
  [MessageType.CONNECT_EXTENSION]: fields({}),
  [MessageType.SETTINGS]: fields({}),
  [MessageType.MEETING_CREATE]: fields({
    meeting: fields(
      { ...MEETING_FIELDS, timezone: isText(64), idempotency_key: isUuid, appointment_id: orNull(isAppointmentId) },
      ["topic", "start", "duration_minutes", "idempotency_key"],
    ),
  }),
  [MessageType.MEETING_UPDATE]: fields({ id: isUuid, changes: fields({ ...MEETING_FIELDS, appointment_id: isAppointmentId }) }, [
    "id",
    "changes",
  ]),
  [MessageType.MEETING_REMOVE]: fields({ id: isUuid }, ["id"]),
  [MessageType.MEETINGS_FOR_APPOINTMENTS]: fields(
    { appointmentIds: (ids) => Array.isArray(ids) && ids.length >= 1 && ids.length <= 200 && ids.every(isAppointmentId) },
    ["appointmentIds"],
  ),
};

function fromExtensionPage(sender, extensionId) {
  return typeof sender.url === "string" && sender.url.startsWith(`chrome-extension://${extensionId}/`);
}

function fromCrmContentScript(sender, crmOrigins) {
  if (!sender.tab || !sender.url || !isCrmAddress(sender.url, crmOrigins)) return false;
  return !sender.origin || sender.origin === new URL(sender.url).origin; // e.g. not an about:blank frame's
}

// Why the message is refused, or null when it may be answered.
export function refusal(message, sender, { extensionId, crmOrigins }) {
  if (!sender || sender.id !== extensionId) return "not from this extension";
  if (!fromExtensionPage(sender, extensionId) && !fromCrmContentScript(sender, crmOrigins)) {
    return "not from a registered CRM address";
  }
  if (!isPlainObject(message) || typeof message.type !== "string") return "not a message";
  const shape = SHAPES[message.type];
  if (!shape) return "unknown message type";
  let size;
  try {
    size = JSON.stringify(message).length;
  } catch {
    return "not a message";
  }
  if (size > MAX_MESSAGE_CHARACTERS) return "message too large";
  const { type: _type, ...body } = message;
  return shape(body) ? null : `not a valid ${message.type} message`;
}
