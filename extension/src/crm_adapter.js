// Everything the extension knows about the CRM's markup lives here, so a CRM change is a one-file fix.
// Anchors are stable, accessible attributes (role="dialog", labels), never generated class names.

const MEETING_TYPE_LABELS = new Set(["meeting type", "type"]);
const CONTROLS_HOST = "data-meetings-controls";
const PANEL_HOST = "data-meetings-panel";

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
