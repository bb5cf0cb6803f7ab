// Notifications at alarm time: the user's upcoming meetings (with an alarm) are kept in storage.local, each with a
// chrome.alarms alarm "appt:<meeting id>"; rebuilt from the service on start-up, after changes and every 15 minutes.
// No state in globals: the worker may stop between any two events.

import { callApi } from "./api.js";

const UPCOMING_KEY = "upcoming";
const PREFIX = "appt:";
export const SYNC_ALARM = "meetings-sync";
const SYNC_MINUTES = 15;

const t = (key, ...values) => chrome.i18n.getMessage(key, values);

// Align alarms with the service's list of upcoming meetings: one alarm per meeting, none left over.
export async function syncAlarms(now = Date.now()) {
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
  await chrome.storage.local.set({ [UPCOMING_KEY]: upcoming });
  const existing = await chrome.alarms.getAll();
  for (const alarm of existing) {
    if (alarm.name.startsWith(PREFIX) && !upcoming[alarm.name.slice(PREFIX.length)]) await chrome.alarms.clear(alarm.name);
  }
  for (const [id, meeting] of Object.entries(upcoming)) {
    const when = Math.max(meeting.alarmAt, now + 1000);
    const current = existing.find((alarm) => alarm.name === PREFIX + id);
    if (!current || Math.abs(current.scheduledTime - when) > 1000) await chrome.alarms.create(PREFIX + id, { when });
  }
  if (!(await chrome.alarms.get(SYNC_ALARM))) await chrome.alarms.create(SYNC_ALARM, { periodInMinutes: SYNC_MINUTES });
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
  const { [UPCOMING_KEY]: upcoming = {} } = await chrome.storage.local.get(UPCOMING_KEY);
  const meeting = upcoming[id];
  if (!meeting) return;
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
  if (meeting) await chrome.tabs.create({ url: meeting.joinUrl });
  await chrome.notifications.clear(notificationId);
}
