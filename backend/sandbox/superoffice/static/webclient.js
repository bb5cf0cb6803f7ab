// The sandbox CRM's web client: a week diary and the follow-up dialog, talking to the emulated WebAPI.
// Like SuperOffice's own client it re-renders the dialog each time it opens, so extensions must cope.

const shell = document.querySelector(".so-shell");
const contextId = shell.dataset.contextId;
const diary = document.getElementById("diary");
const weekLabel = document.getElementById("week-label");
const diaryError = document.getElementById("diary-error");
const apiBase = `/${encodeURIComponent(contextId)}/api/v1/Appointment`;
const DAY_MS = 24 * 3600 * 1000;

let weekStart = mondayOf(initialDate());

function initialDate() {
  const requested = new URLSearchParams(location.search).get("date");
  const parsed = requested ? new Date(`${requested}T00:00:00`) : new Date();
  return Number.isNaN(parsed.getTime()) ? new Date() : parsed;
}

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

function addDays(date, days) {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// "2026-11-25T10:00:00+01:00": the local time with its offset, as SuperOffice's date-times are.
export function toOffsetISO(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

function toInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const dayHeading = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

async function callApi(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "SO-TimeZone": "UTC, includeTZOffset", // else the WebAPI answers in the base time zone without offsets
      ...(options.body ? { "Content-Type": "application/json" } : {}),
    },
    ...options,
  });
  if (response.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error("Your session has ended: sign in again.");
  }
  if (!response.ok) {
    let message = `The CRM answered ${response.status}.`;
    try {
      message = (await response.json()).ErrorMessage || message;
    } catch {
      // not JSON: keep the status message
    }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

async function loadWeek() {
  const end = addDays(weekStart, 7);
  weekLabel.textContent = `${dayFormat.format(weekStart)} – ${dayFormat.format(addDays(end, -1))}`;
  diary.setAttribute("aria-busy", "true");
  try {
    const query = new URLSearchParams({ start: toOffsetISO(weekStart), end: toOffsetISO(end) });
    const appointments = await callApi(`/webclient/diary?${query}`);
    renderWeek(appointments);
    diaryError.hidden = true;
  } catch (error) {
    diaryError.textContent = `The diary could not be loaded: ${error.message}`;
    diaryError.hidden = false;
  } finally {
    diary.setAttribute("aria-busy", "false");
  }
}

function renderWeek(appointments) {
  const selected = Number(document.getElementById("side-panel").dataset.appointmentId);
  showInSidePanel(appointments.find((a) => a.AppointmentId === selected) || null);
  const days = [];
  for (let i = 0; i < 7; i++) {
    const day = addDays(weekStart, i);
    const next = addDays(day, 1);
    // A follow-up that ends at midnight belongs to the day it started, not also to the next one.
    const entries = appointments.filter((a) => {
      const start = new Date(a.StartDate);
      return start < next && (new Date(a.EndDate) > day || start >= day);
    });
    const list = element("ul", { class: "so-day-entries" });
    for (const appointment of entries) list.append(element("li", {}, diaryEntry(appointment)));
    if (!entries.length) list.append(element("li", { class: "so-empty" }, "No appointments"));
    const isToday = day.toDateString() === new Date().toDateString();
    days.push(
      element(
        "section",
        { class: `so-day${isToday ? " so-today" : ""}`, "data-date": toInputValue(day).slice(0, 10) },
        element("h2", {}, dayHeading.format(day)),
        list,
      ),
    );
  }
  diary.replaceChildren(...days);
}

function diaryEntry(appointment) {
  const start = new Date(appointment.StartDate);
  const end = new Date(appointment.EndDate);
  const button = element(
    "button",
    { type: "button", class: "so-entry", "data-appointment-id": String(appointment.AppointmentId) },
    element("span", { class: "so-entry-time" }, `${timeFormat.format(start)}–${timeFormat.format(end)}`),
    element("span", { class: "so-entry-title" }, appointment.Title || appointment.Task.Value),
  );
  if (appointment.Location) button.append(element("span", { class: "so-entry-location" }, appointment.Location));
  button.addEventListener("click", () => {
    showInSidePanel(appointment);
    openDialog(appointment.AppointmentId);
  });
  return button;
}

// The side panel shows the selected appointment, as SuperOffice's does.
function showInSidePanel(appointment) {
  const panel = document.getElementById("side-panel");
  if (!appointment) {
    delete panel.dataset.appointmentId;
    panel.replaceChildren(element("p", { class: "so-empty" }, "Select an appointment to see it here."));
    return;
  }
  const start = new Date(appointment.StartDate);
  const end = new Date(appointment.EndDate);
  panel.dataset.appointmentId = String(appointment.AppointmentId);
  const edit = element("button", { type: "button", class: "so-secondary" }, "Edit");
  edit.addEventListener("click", () => openDialog(appointment.AppointmentId));
  panel.replaceChildren(
    element("h2", {}, appointment.Title || appointment.Task.Value),
    element("p", {}, `${dayFormat.format(start)}, ${timeFormat.format(start)}–${timeFormat.format(end)}`),
    ...(appointment.Location ? [element("p", { class: "so-side-location" }, appointment.Location)] : []),
    element("div", { class: "so-side-actions" }, edit),
  );
}

function defaultAppointment() {
  const start = new Date();
  start.setMinutes(0, 0, 0);
  start.setHours(start.getHours() + 1);
  const weekEnd = addDays(weekStart, 7);
  if (start >= weekEnd && Date.now() < weekEnd.getTime() && Date.now() >= weekStart.getTime()) {
    start.setHours(start.getHours() - 1); // late on the week's last day: this hour, still this week, not past
  } else if (start < weekStart || start >= weekEnd) {
    start.setTime(weekStart.getTime());
    start.setHours(9);
  }
  const end = new Date(start.getTime() + 3600 * 1000);
  return {
    AppointmentId: 0,
    Title: "",
    Task: { Id: 1 },
    StartDate: toOffsetISO(start),
    EndDate: toOffsetISO(end),
    Location: "",
    Description: "",
    Participants: [],
    HasAlarm: false,
    AlarmLeadTime: "PT15M",
    JoinVideomeetUrl: "",
    CentralserviceVideomeetId: "",
  };
}

function leadMinutes(duration) {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(duration || "");
  return match ? Number(match[1] || 0) * 60 + Number(match[2] || 0) : 15;
}

// The dialog's fields from an AppointmentEntity (when it opens, and again when a web panel asks for a refresh).
function fillDialog(dialog, appointment) {
  const field = (name) => dialog.querySelector("form").elements.namedItem(name);
  field("title").value = appointment.Title || "";
  field("task").value = String(appointment.Task?.Id || 1);
  field("start").value = toInputValue(new Date(appointment.StartDate));
  field("end").value = toInputValue(new Date(appointment.EndDate));
  field("location").value = appointment.Location || "";
  field("description").value = appointment.Description || "";
  field("participants").value = (appointment.Participants || []).map((p) => p.EmailAddress).join(", ");
  field("alarm").checked = Boolean(appointment.HasAlarm);
  field("alarm_lead").value = String(leadMinutes(appointment.AlarmLeadTime));
  field("alarm_lead").disabled = !appointment.HasAlarm;
  field("send_invitations").checked = (appointment.Participants || []).some((p) => p.SendEmail);
  field("start").defaultValue = field("start").value;
}

async function openDialog(appointmentId) {
  closeDialog();
  let appointment;
  try {
    appointment = appointmentId ? await callApi(`${apiBase}/${appointmentId}`) : defaultAppointment();
  } catch (error) {
    diaryError.textContent = `The follow-up could not be opened: ${error.message}`;
    diaryError.hidden = false;
    return;
  }
  const fragment = document.getElementById("followup-dialog-template").content.cloneNode(true);
  const backdrop = fragment.querySelector(".so-dialog-backdrop");
  const dialog = fragment.querySelector("[role=dialog]");
  const form = dialog.querySelector("form");
  const field = (name) => form.elements.namedItem(name);
  const opened = { appointment }; // what a save starts from; a refresh asked by a web panel replaces it
  dialog.dataset.appointmentId = String(appointment.AppointmentId || 0);
  dialog.querySelector("#followup-heading").textContent = appointment.AppointmentId ? "Edit follow-up" : "New follow-up";
  fillDialog(dialog, appointment);
  dialog.querySelector('[data-so-action="delete"]').hidden = !appointment.AppointmentId;

  const showDuration = () => {
    const minutes = (new Date(field("end").value) - new Date(field("start").value)) / 60000;
    const text = Number.isFinite(minutes) && minutes >= 0 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : "–";
    dialog.querySelector("#appt-duration").textContent = text;
  };
  field("start").addEventListener("change", () => {
    // Moving the start keeps the length, as the CRM does.
    const previous = new Date(field("start").defaultValue || appointment.StartDate);
    const length = new Date(field("end").value) - previous;
    const start = new Date(field("start").value);
    if (Number.isFinite(length) && !Number.isNaN(start.getTime())) {
      field("end").value = toInputValue(new Date(start.getTime() + length));
    }
    field("start").defaultValue = field("start").value;
    showDuration();
  });
  field("end").addEventListener("change", showDuration);
  field("alarm").addEventListener("change", () => {
    field("alarm_lead").disabled = !field("alarm").checked;
  });
  showDuration();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveDialog(dialog, opened.appointment);
  });
  dialog.querySelector('[data-so-action="cancel"]').addEventListener("click", closeDialog);
  dialog.querySelector('[data-so-action="delete"]').addEventListener("click", () => deleteAppointment(dialog, opened.appointment));
  backdrop.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDialog();
  });
  dialog.refreshFromCrm = async () => {
    if (!opened.appointment.AppointmentId) return;
    opened.appointment = await callApi(`${apiBase}/${opened.appointment.AppointmentId}`);
    fillDialog(dialog, opened.appointment);
    showDuration();
  };
  document.body.append(fragment);
  showSoProtocolAddress(appointment.AppointmentId || 0);
  field("title").focus();
  showWebPanels(dialog, appointment.AppointmentId || 0);
}

function closeDialog() {
  const backdrop = document.querySelector(".so-dialog-backdrop");
  if (!backdrop) return;
  backdrop.remove();
  showSoProtocolAddress(null);
}

// SuperOffice's address while a follow-up is open: a SoProtocol with a second "?" (docs/en/ui/soprotocol/),
// "?appointment.main?appointment_id=124" or, for a new one, "?appointment.main[new=true]?appointment_id=0".
function showSoProtocolAddress(appointmentId) {
  const date = toInputValue(weekStart).slice(0, 10);
  let search = `?date=${date}`;
  if (appointmentId !== null) {
    const page = appointmentId ? "appointment.main" : "appointment.main[new=true]";
    search = `?${page}?appointment_id=${appointmentId}&date=${date}`;
  }
  history.replaceState(null, "", `${location.pathname}${search}`);
}

// Web panels: each active panel of the tenant's WebPanel list that is visible in the follow-up dialog
// (VisibleIn "ActivityDialog", on the web client, not Deleted) is a tab, its URL's variables filled in.
const WEB_PANEL_VARIABLES = {
  baid: (appointmentId) => String(appointmentId),
  uctx: () => contextId,
  usid: () => shell.dataset.associateId,
  lani: () => document.documentElement.lang || "en",
};

export function fillVariables(url, appointmentId) {
  // Unknown variables become empty (UNCONFIRMED: what SuperOffice does with a tag it does not know).
  return url.replace(/<([a-z0-9#?]{4})>/gi, (_, name) => encodeURIComponent(WEB_PANEL_VARIABLES[name.toLowerCase()]?.(appointmentId) ?? ""));
}

async function showWebPanels(dialog, appointmentId) {
  let items;
  try {
    items = await callApi(`/${encodeURIComponent(contextId)}/api/v1/List/WebPanel/Items`);
  } catch {
    return; // the dialog works without its web panels
  }
  const panels = items
    .filter((item) => item.VisibleIn === "ActivityDialog" && !item.Deleted && item.OnSalesMarketingWeb)
    .sort((a, b) => a.Rank - b.Rank || a.WebPanelId - b.WebPanelId);
  if (!panels.length || !dialog.isConnected) return;
  const tabs = dialog.querySelector("[data-so-tabs]");
  const holder = dialog.querySelector("[data-so-web-panels]");
  const details = dialog.querySelector("[data-so-tabpanel]");
  const select = (tab) => {
    for (const other of tabs.querySelectorAll("[role=tab]")) {
      other.setAttribute("aria-selected", String(other === tab));
      document.getElementById(other.getAttribute("aria-controls")).hidden = other !== tab;
    }
  };
  for (const item of panels) {
    const panelId = `web-panel-${item.WebPanelId}`;
    const tab = element("button", { type: "button", role: "tab", id: `${panelId}-tab`, "aria-controls": panelId, "aria-selected": "false", title: item.Tooltip || item.Name }, item.Name);
    const frame = element("iframe", { title: item.Name, src: fillVariables(item.Url, appointmentId), name: item.WindowName || panelId });
    holder.append(element("div", { role: "tabpanel", id: panelId, "aria-labelledby": tab.id, class: "so-web-panel", hidden: "" }, frame));
    tabs.append(tab);
  }
  for (const tab of tabs.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => select(tab));
  details.hidden = false;
  tabs.hidden = false;
}

// SuperOffice's cross-messaging (SuperOffice/DevNet CrossMessaging, SoClientCrossMessaging.js): a web panel posts
// {command: "refresh"} to its parent; the open follow-up is read again. Only the dialog's own panels are heard.
window.addEventListener("message", (event) => {
  const dialog = document.getElementById("followup-dialog");
  const frames = dialog ? [...dialog.querySelectorAll("[data-so-web-panels] iframe")] : [];
  if (!frames.some((frame) => frame.contentWindow === event.source)) return;
  if (event.data?.command === "refresh") {
    dialog.refreshFromCrm().catch((error) => showDialogError(dialog, `The follow-up could not be refreshed: ${error.message}`));
  }
});

function showDialogError(dialog, message) {
  const box = dialog.querySelector("[data-so-dialog-error]");
  box.textContent = message;
  box.hidden = false;
}

function readDialog(dialog, appointment) {
  const form = dialog.querySelector("form");
  const field = (name) => form.elements.namedItem(name);
  const start = new Date(field("start").value);
  const end = new Date(field("end").value);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new Error("Fill in both Start and End.");
  if (end < start) throw new Error("End must not be before Start.");
  const sendEmail = field("send_invitations").checked;
  const addresses = field("participants").value.split(/[,;\s]+/).filter(Boolean);
  const previous = new Map((appointment.Participants || []).map((p) => [p.EmailAddress, p]));
  return {
    ...appointment, // keeps what the dialog does not show (JoinVideomeetUrl, CentralserviceVideomeetId, ...)
    Title: field("title").value.trim(),
    Task: { Id: Number(field("task").value) },
    StartDate: toOffsetISO(start),
    EndDate: toOffsetISO(end),
    Location: field("location").value,
    Description: field("description").value,
    HasAlarm: field("alarm").checked,
    AlarmLeadTime: `PT${Number(field("alarm_lead").value)}M`,
    Participants: addresses.map((address) => ({ ...(previous.get(address) || {}), EmailAddress: address, SendEmail: sendEmail })),
  };
}

async function saveDialog(dialog, appointment) {
  let entity;
  try {
    entity = readDialog(dialog, appointment);
  } catch (error) {
    showDialogError(dialog, error.message);
    return;
  }
  const id = appointment.AppointmentId;
  try {
    await callApi(id ? `${apiBase}/${id}` : apiBase, { method: id ? "PUT" : "POST", body: JSON.stringify(entity) });
  } catch (error) {
    showDialogError(dialog, `The follow-up was not saved: ${error.message}`);
    return;
  }
  closeDialog();
  await loadWeek();
}

async function deleteAppointment(dialog, appointment) {
  try {
    await callApi(`${apiBase}/${appointment.AppointmentId}`, { method: "DELETE" });
  } catch (error) {
    showDialogError(dialog, `The follow-up was not deleted: ${error.message}`);
    return;
  }
  closeDialog();
  await loadWeek();
}

function moveWeek(days) {
  weekStart = addDays(weekStart, days);
  const url = new URL(location.href);
  url.searchParams.set("date", toInputValue(weekStart).slice(0, 10));
  history.replaceState(null, "", url);
  loadWeek();
}

document.getElementById("previous-week").addEventListener("click", () => moveWeek(-7));
document.getElementById("next-week").addEventListener("click", () => moveWeek(7));
document.getElementById("new-appointment").addEventListener("click", () => openDialog(0));
loadWeek();
