// The content script: gives every follow-up dialog its video controls (once, and again after the CRM re-renders
// the dialog) and drives them, and marks the diary and the side panel.
// Cheap when there is no dialog: one query per animation frame of changes.

import {
  diaryEntries,
  findFollowUpDialogs,
  hasMark,
  hasVideoControls,
  onSave,
  placeMark,
  placeMeetingPanel,
  placeSidePanelJoin,
  placeVideoControls,
  readAppointment,
  removeVideoControls,
  sidePanel,
  sidePanelJoin,
  writeField,
} from "./crm_adapter.js";
import { createMeetingMark, createSidePanelJoin } from "./marks.js";
import { CONNECTION_KEY } from "./config.js";
import {
  DESCRIPTION_LIMIT,
  LOCATION_LIMIT,
  locationWithLink,
  locationWithoutLink,
  withJoinLine,
  withoutJoinLine,
} from "./meeting_text.js";
import { MessageType } from "./messages.js";
import { createVideoControls } from "./video_controls.js";

const t = (key, ...values) => chrome.i18n.getMessage(key, values);

async function ask(message) {
  try {
    const answer = await chrome.runtime.sendMessage(message);
    return answer || { ok: false, error: { code: "no_answer", message: t("extensionReloaded") } };
  } catch {
    return { ok: false, error: { code: "no_answer", message: t("extensionReloaded") } };
  }
}

// Resolves when the extension has a connection (the /extension/connect window handed the token over).
function extensionConnected() {
  return new Promise((resolve) => {
    const listener = (changes, area) => {
      if (area === "local" && changes[CONNECTION_KEY]?.newValue) {
        chrome.storage.onChanged.removeListener(listener);
        resolve();
      }
    };
    chrome.storage.onChanged.addListener(listener);
  });
}

// Resolves when the provider's connect window (opened from this page) says it is done.
function providerConnected(backendOrigin) {
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.origin === backendOrigin && event.data?.type === "meetings:connected") {
        window.removeEventListener("message", listener);
        resolve();
      }
    };
    window.addEventListener("message", listener);
  });
}

function minutesBetween(start, end) {
  return Math.max(1, Math.round((end - start) / 60000));
}

function meetingRequest(appointment, key) {
  return {
    topic: appointment.title || t("untitledMeeting"),
    start: appointment.start.toISOString(),
    duration_minutes: minutesBetween(appointment.start, appointment.end),
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    idempotency_key: key,
    appointment_id: appointment.appointmentId,
    alarm_minutes_before: appointment.alarmMinutesBefore,
  };
}

class DialogMeeting {
  constructor(dialog, ui) {
    this.dialog = dialog;
    this.ui = ui;
    this.meeting = null;
    this.busy = false;
    this.key = null; // one idempotency key per "add", kept across the connect detours
    this.addedLine = true; // whether our "Join meeting:" line is in the text (a reopened meeting's may be)
  }

  async load() {
    const { appointmentId } = readAppointment(this.dialog);
    if (!appointmentId) return;
    const answer = await ask({ type: MessageType.MEETINGS_FOR_APPOINTMENTS, appointmentIds: [appointmentId] });
    if (answer.ok && answer.result.length) this.show(answer.result[0]);
  }

  show(meeting) {
    this.meeting = meeting;
    this.ui.setMeeting(meeting);
  }

  toggle() {
    return this.resume(() => (this.meeting ? this.remove() : this.add()));
  }

  async add() {
    const appointment = readAppointment(this.dialog);
    if (Number.isNaN(appointment.start.getTime()) || Number.isNaN(appointment.end.getTime())) {
      this.ui.showProblem(t("fillStartAndEnd"));
      return;
    }
    this.key ||= crypto.randomUUID();
    const answer = await ask({ type: MessageType.MEETING_CREATE, meeting: meetingRequest(appointment, this.key) });
    if (answer.ok) {
      this.key = null;
      this.show(answer.result);
      const url = answer.result.join_url;
      const now = readAppointment(this.dialog); // what the person typed meanwhile stays
      const location = locationWithLink(now.location, url);
      writeField(this.dialog, "location", location);
      // Mail Link mode: the link goes into the text; with an invitation template the invitation carries it. Either
      // way the saved appointment must hold the link somewhere (that is how its meeting is found): when Location
      // could not take it, the text does.
      const settings = await ask({ type: MessageType.SETTINGS });
      const described = withJoinLine(now.description, url);
      const mailLink = !settings.ok || settings.result.invitation_mode !== "template";
      const needsLine = mailLink || location !== url;
      this.addedLine = needsLine && described.length <= DESCRIPTION_LIMIT;
      if (this.addedLine) writeField(this.dialog, "description", described);
      else if (needsLine) this.ui.showProblem(t("descriptionFull"));
      if (!now.location.trim() && url.length > LOCATION_LIMIT) this.ui.showProblem(t("locationFull"));
      return;
    }
    await this.recover(answer.error, () => (this.meeting ? null : this.add()));
  }

  async remove() {
    const meeting = this.meeting;
    const answer = await ask({ type: MessageType.MEETING_REMOVE, id: meeting.id });
    if (!answer.ok && answer.error.code !== "not_found") {
      await this.recover(answer.error, () => (this.meeting ? this.remove() : null));
      return;
    }
    const now = readAppointment(this.dialog);
    writeField(this.dialog, "location", locationWithoutLink(now.location, meeting.join_url));
    if (this.addedLine) writeField(this.dialog, "description", withoutJoinLine(now.description, meeting.join_url));
    this.show(null);
  }

  // A failure: say what happened; where the person can fix it (connect, reconnect), open that for them and carry
  // on by itself once it is done. Nothing they typed in the dialog is touched.
  async recover(error, again) {
    if (error.code === "not_connected") {
      const open = () => ask({ type: MessageType.CONNECT_EXTENSION });
      this.ui.showProblem(t("connectingExtension"), t("connectExtension"), open);
      extensionConnected().then(() => this.resume(again));
      await open();
      return;
    }
    if (error.code === "connect_needed" && error.connect_url) {
      // A new window each time: a finished connect window may still be closing itself.
      const open = () => window.open(error.connect_url, "_blank", "popup,width=600,height=720");
      this.ui.showProblem(error.message, t("connectAccount"), open);
      providerConnected(new URL(error.connect_url).origin).then(() => this.resume(again));
      open();
      return;
    }
    this.ui.showProblem(error.message || t("backendUnreachable"), t("tryAgain"), () => this.toggle());
  }

  async resume(again) {
    if (this.busy) return;
    this.busy = true;
    this.ui.setBusy(true);
    this.ui.clearProblem();
    try {
      await again();
    } finally {
      this.busy = false;
      this.ui.setBusy(false);
    }
  }

  // Saving the appointment: the meeting follows a new title, time or alarm, and learns the appointment's id.
  async saved(appointment) {
    const meeting = this.meeting;
    if (!meeting || Number.isNaN(appointment.start.getTime())) return;
    const changes = {
      topic: appointment.title || t("untitledMeeting"),
      start: appointment.start.toISOString(),
      duration_minutes: minutesBetween(appointment.start, appointment.end),
      alarm_minutes_before: appointment.alarmMinutesBefore,
    };
    if (appointment.appointmentId) changes.appointment_id = appointment.appointmentId;
    await ask({ type: MessageType.MEETING_UPDATE, id: meeting.id, changes });
    // A new appointment gets its id when the CRM saves it, and the service learns it from the CRM shortly after:
    // look at the redrawn diary again then.
    if (!appointment.appointmentId) for (const delay of RECHECK_AFTER_SAVE_MS) setTimeout(recheckDiary, delay);
  }
}

function equip(dialog) {
  if (hasVideoControls(dialog)) return;
  removeVideoControls(dialog); // half of a previous pair, if the CRM re-rendered one part
  const ui = createVideoControls();
  const meeting = new DialogMeeting(dialog, ui);
  ui.elements.toggle.addEventListener("click", () => meeting.toggle());
  ui.elements.copy.addEventListener("click", async () => {
    await navigator.clipboard.writeText(meeting.meeting.join_url);
    ui.showCopied();
  });
  ui.elements.join.addEventListener("click", () => window.open(meeting.meeting.join_url, "_blank", "noopener"));
  onSave(dialog, (appointment) => meeting.saved(appointment));
  placeVideoControls(dialog, ui.controlsHost);
  placeMeetingPanel(dialog, ui.panelHost);
  meeting.load();
}

// The diary's icons and the side panel's Join meeting: one lookup for all newly drawn entries at a time.
let lookedUp = new WeakSet();
const RECHECK_AFTER_SAVE_MS = [1500, 5000];

function recheckDiary() {
  lookedUp = new WeakSet(); // entries with a mark keep it; the others are looked up once more
  panelAnswers.clear();
  markDiary(document);
}
const panelAnswers = new Map(); // appointment id -> {meeting, at}: a just-drawn side panel needs no second lookup
const PANEL_ANSWER_MS = 5000;
let marking = false;

async function markDiary(doc) {
  if (marking) return;
  const entries = diaryEntries(doc).filter((entry) => !lookedUp.has(entry.element));
  const panel = sidePanel(doc);
  const panelId = panel?.appointmentId;
  const panelNeedsLookup =
    panelId && !sidePanelJoin(panel.element) && !(Date.now() - (panelAnswers.get(panelId)?.at || 0) < PANEL_ANSWER_MS);
  if (!entries.length && !panelNeedsLookup) {
    showSidePanelJoin(panel);
    return;
  }
  marking = true;
  try {
    for (const entry of entries) lookedUp.add(entry.element);
    const ids = [...entries.map((entry) => entry.appointmentId), ...(panelNeedsLookup ? [panelId] : [])];
    const answer = await ask({ type: MessageType.MEETINGS_FOR_APPOINTMENTS, appointmentIds: ids });
    if (!answer.ok) return; // not connected yet, or the service is away: no marks
    const byAppointment = new Map(answer.result.map((meeting) => [meeting.appointment_id, meeting]));
    for (const entry of entries) {
      if (byAppointment.has(entry.appointmentId) && !hasMark(entry.element)) placeMark(entry.element, createMeetingMark());
    }
    if (panelId) panelAnswers.set(panelId, { meeting: byAppointment.get(panelId) || null, at: Date.now() });
    showSidePanelJoin(sidePanel(doc));
  } finally {
    marking = false;
  }
}

function showSidePanelJoin(panel) {
  if (!panel?.appointmentId || sidePanelJoin(panel.element)) return;
  const meeting = panelAnswers.get(panel.appointmentId)?.meeting;
  if (meeting) placeSidePanelJoin(panel.element, createSidePanelJoin(meeting.join_url), panel.appointmentId);
}

export function start(doc) {
  let scheduled = false;
  const scan = () => {
    scheduled = false;
    for (const dialog of findFollowUpDialogs(doc)) equip(dialog);
    markDiary(doc);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(scan);
  };
  new MutationObserver(schedule).observe(doc.body, { childList: true, subtree: true });
  scan();
}
