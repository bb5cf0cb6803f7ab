// Everything the extension knows about the CRM's markup lives here, so a CRM change is a one-file fix.
// Anchors are stable, accessible attributes (role="dialog", labels, data-*), never generated class names.

const MEETING_TYPE_LABELS = new Set(["meeting type", "type"]);
const CONTROLS_HOST = "data-meetings-controls";
const PANEL_HOST = "data-meetings-panel";

function labelled(root, text) {
  for (const label of root.querySelectorAll("label")) {
    if (label.textContent.trim().toLowerCase() === text && label.control && root.contains(label.control)) {
      return label.control;
    }
  }
  return null;
}

// Follow-up dialogs currently in the page: dialogs that have a meeting-type field.
export function findFollowUpDialogs(root) {
  return [...root.querySelectorAll('[role="dialog"]')].filter((dialog) => meetingTypeField(dialog));
}

// The meeting-type <select> and its label, found by the label's text.
export function meetingTypeField(dialog) {
  for (const label of dialog.querySelectorAll("label")) {
    if (!MEETING_TYPE_LABELS.has(label.textContent.trim().toLowerCase())) continue;
    const select = label.control;
    if (select && select.tagName === "SELECT" && dialog.contains(select)) return { label, select };
  }
  return null;
}

// Where the video icon goes: right after the meeting-type field's control.
export function placeVideoControls(dialog, host) {
  const field = meetingTypeField(dialog);
  host.setAttribute(CONTROLS_HOST, "");
  field.select.insertAdjacentElement("afterend", host);
}

// Where the meeting link and messages go: below the whole meeting-type field (label and control).
export function placeMeetingPanel(dialog, host) {
  const { label, select } = meetingTypeField(dialog);
  let field = select.parentElement;
  while (field && !field.contains(label) && field !== dialog) field = field.parentElement;
  host.setAttribute(PANEL_HOST, "");
  field.insertAdjacentElement("afterend", host);
}

export function hasVideoControls(dialog) {
  return Boolean(dialog.querySelector(`[${CONTROLS_HOST}]`)) && Boolean(dialog.querySelector(`[${PANEL_HOST}]`));
}

export function removeVideoControls(dialog) {
  for (const host of dialog.querySelectorAll(`[${CONTROLS_HOST}], [${PANEL_HOST}]`)) host.remove();
}

// The saved appointment's id, or null for a new one.
export function appointmentId(dialog) {
  const id = Number(dialog.dataset.appointmentId);
  return Number.isInteger(id) && id > 0 ? id : null;
}

// What the dialog says about the appointment now.
export function readAppointment(dialog) {
  const value = (name) => labelled(dialog, name)?.value ?? "";
  const alarm = labelled(dialog, "alarm");
  return {
    appointmentId: appointmentId(dialog),
    title: value("title").trim(),
    start: new Date(value("start")),
    end: new Date(value("end")),
    location: value("location"),
    description: value("description"),
    alarmMinutesBefore: alarm?.checked ? Number(value("alarm lead time") || 0) : null,
  };
}

// Change a field as if the person typed it, so that the CRM's own code sees the change.
export function writeField(dialog, name, text) {
  const field = labelled(dialog, name);
  if (!field || field.value === text) return;
  field.value = text;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

export function onSave(dialog, listener) {
  const save = [...dialog.querySelectorAll("button")].find((button) => button.textContent.trim() === "Save");
  // Capture phase: runs before the CRM's own handler closes the dialog.
  save?.addEventListener("click", () => listener(readAppointment(dialog)), { capture: true });
}

const MARK_HOST = "data-meetings-mark";
const SIDE_PANEL_HOST = "data-meetings-side-panel";

// Appointments shown in the diary, each an element that carries the appointment's id.
export function diaryEntries(root) {
  return [...root.querySelectorAll('[aria-label="Diary week"] [data-appointment-id]')]
    .map((element) => ({ element, appointmentId: Number(element.dataset.appointmentId) }))
    .filter((entry) => entry.appointmentId > 0);
}

export function hasMark(entry) {
  return Boolean(entry.querySelector(`[${MARK_HOST}]`));
}

export function placeMark(entry, host) {
  host.setAttribute(MARK_HOST, "");
  entry.append(host);
}

// The side panel and the appointment it shows (null when none is selected).
export function sidePanel(root) {
  const element = root.querySelector('[aria-label="Side panel"]');
  if (!element) return null;
  const id = Number(element.dataset.appointmentId);
  return { element, appointmentId: id > 0 ? id : null };
}

// The Join meeting control in the side panel, if it is there for this appointment.
export function sidePanelJoin(panel) {
  return panel.querySelector(`[${SIDE_PANEL_HOST}]`);
}

export function placeSidePanelJoin(panel, host, appointmentId) {
  host.setAttribute(SIDE_PANEL_HOST, String(appointmentId));
  panel.append(host);
}
