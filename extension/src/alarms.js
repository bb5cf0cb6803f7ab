// Notifications at alarm time: the user's upcoming meetings (with an alarm) are kept in storage.local, each with a
// chrome.alarms alarm "appt:<meeting id>"; rebuilt from the service on start-up, after changes and every 15 minutes.
// No state in globals: the worker may stop between any two events.
//
// Packed extensions get alarms no sooner than 30 s after they are created (unpacked: 1 s), so an alarm is created
// once per alarm time and then left alone (asking again at every sync would push a due alarm back each time), and
// which meetings were notified at which alarm time is remembered, so one alarm time gives one notification.

import "./join_links.js";
import { callApi } from "./api.js";

const UPCOMING_KEY = "upcoming";
const NOTIFIED_KEY = "notified"; // meeting id -> the alarm time it was notified for
const PREFIX = "appt:";
export const SYNC_ALARM = "meetings-sync";
const SYNC_MINUTES = 15;

const t = (key, ...values) => chrome.i18n.getMessage(key, values);
const { openableJoinUrl } = globalThis.meetings.joinLinks;

// The periodic sync: it exists whatever the service answered, so a service that was down is asked again.
export async function ensureSyncAlarm() {
  if (!(await chrome.alarms.get(SYNC_ALARM))) await chrome.alarms.create(SYNC_ALARM, { periodInMinutes: SYNC_MINUTES });
}

// Align alarms with the service's list of upcoming meetings: one alarm per meeting not yet notified, none left over.
export async function syncAlarms(now = Date.now()) {
  await ensureSyncAlarm();
  let meetings;
  try {
    meetings = await callApi("GET", "/api/meetings/upcoming");
  } catch {
    return; // not connected or unreachable: keep what we have, try again at the next sync
  }
  const upcoming = {};
  for (const meeting of meetings) {
    if (!meeting.alarm_at) continue;
    upcoming[meeting.id] = {
      title: meeting.topic,
      start: meeting.start,
      joinUrl: meeting.join_url,
      alarmAt: Date.parse(meeting.alarm_at),
    };
  }
  const { [UPCOMING_KEY]: planned = {}, [NOTIFIED_KEY]: notified = {} } = await chrome.storage.local.get([
    UPCOMING_KEY,
    NOTIFIED_KEY,
  ]);
  // A meeting moved to another alarm time may be notified again; meetings gone are forgotten.
  const stillNotified = Object.fromEntries(
    Object.entries(notified).filter(([id, alarmAt]) => upcoming[id]?.alarmAt === alarmAt),
  );
  await chrome.storage.local.set({ [UPCOMING_KEY]: upcoming, [NOTIFIED_KEY]: stillNotified });
  const existing = await chrome.alarms.getAll();
  for (const alarm of existing) {
    if (!alarm.name.startsWith(PREFIX)) continue;
    const id = alarm.name.slice(PREFIX.length);
    if (!upcoming[id] || stillNotified[id] !== undefined) await chrome.alarms.clear(alarm.name);
  }
  for (const [id, meeting] of Object.entries(upcoming)) {
    if (stillNotified[id] !== undefined) continue;
    const planFor = planned[id]?.alarmAt;
    if (planFor === meeting.alarmAt && existing.some((alarm) => alarm.name === PREFIX + id)) continue;
    await chrome.alarms.create(PREFIX + id, { when: Math.max(meeting.alarmAt, now) });
  }
}

function startsMessage(start, now) {
  const minutes = Math.round((Date.parse(start) - now) / 60000);
  const time = new Date(start).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (minutes <= 0) return t("startsNow", time);
  return t("startsIn", time, String(minutes));
}

export async function onAlarm(alarm, now = Date.now()) {
  if (alarm.name === SYNC_ALARM) return syncAlarms(now);
  if (!alarm.name.startsWith(PREFIX)) return;
  const id = alarm.name.slice(PREFIX.length);
  const { [UPCOMING_KEY]: upcoming = {}, [NOTIFIED_KEY]: notified = {} } = await chrome.storage.local.get([
    UPCOMING_KEY,
    NOTIFIED_KEY,
  ]);
  const meeting = upcoming[id];
  if (!meeting || notified[id] === meeting.alarmAt) return; // gone, or shown already for this alarm time
  await chrome.storage.local.set({ [NOTIFIED_KEY]: { ...notified, [id]: meeting.alarmAt } });
  await chrome.notifications.create(alarm.name, {
    type: "basic",
    iconUrl: chrome.runtime.getURL("icons/icon128.png"),
    title: meeting.title || t("videoMeeting"),
    message: startsMessage(meeting.start, now),
    buttons: [{ title: t("joinMeeting") }],
    requireInteraction: true,
  });
}

// A click on the notification itself or on its button: join (Firefox has no buttons, so the body click counts).
export async function onNotificationClick(notificationId) {
  if (!notificationId.startsWith(PREFIX)) return;
  const { [UPCOMING_KEY]: upcoming = {} } = await chrome.storage.local.get(UPCOMING_KEY);
  const meeting = upcoming[notificationId.slice(PREFIX.length)];
  const url = meeting && openableJoinUrl(meeting.joinUrl, chrome.runtime.getManifest());
  if (url) await chrome.tabs.create({ url });
  await chrome.notifications.clear(notificationId);
}
