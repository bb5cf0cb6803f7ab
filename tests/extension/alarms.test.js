// Alarms and notifications over time, against a hand-written fake of the chrome.* calls alarms.js makes. The fake's
// alarms.create can clamp `when` the way Chrome does for packed extensions (no sooner than 30 s after creation).
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { SYNC_ALARM, onAlarm, syncAlarms } from "../../extension/src/alarms.js";

const BACKEND = "http://127.0.0.1:8000";
const MEETING_ID = "0b9f8e52-6c3a-4d7e-9a41-2f7c1e9d5b60";
const T0 = Date.parse("2030-01-14T09:00:00Z");

let clock;
let service; // what /api/meetings/upcoming answers, or null when the service is down
let fake;

function fakeChrome({ minimumDelayMs }) {
  const stored = {};
  const alarms = new Map();
  const shown = [];
  const pick = (keys) => Object.fromEntries([keys].flat().filter((key) => key in stored).map((key) => [key, structuredClone(stored[key])]));
  return {
    shown,
    alarms: {
      get: async (name) => alarms.get(name),
      getAll: async () => [...alarms.values()],
      clear: async (name) => alarms.delete(name),
      create: async (name, info) => {
        const when = info.when ?? clock.now + info.periodInMinutes * 60000;
        alarms.set(name, { name, scheduledTime: Math.max(when, clock.now + minimumDelayMs), ...info });
      },
    },
    storage: {
      local: {
        get: async (keys) => pick(keys),
        set: async (items) => Object.assign(stored, structuredClone(items)),
        remove: async (key) => delete stored[key],
      },
    },
    notifications: { create: async (id, options) => shown.push({ id, ...options }), clear: async () => {} },
    runtime: { getURL: (path) => path, getManifest: () => ({ host_permissions: [] }) },
    i18n: { getMessage: (key) => key },
    tabs: { create: async () => {} },
  };
}

function meetingWithAlarmAt(alarmAt) {
  return {
    id: MEETING_ID,
    topic: "Stand-up",
    start: new Date(alarmAt + 5 * 60000).toISOString(),
    join_url: "https://zoom.us/j/1",
    alarm_at: new Date(alarmAt).toISOString(),
  };
}

function setUp(minimumDelayMs) {
  clock = { now: T0 };
  service = null;
  fake = fakeChrome({ minimumDelayMs });
  globalThis.chrome = fake;
  globalThis.fetch = async () => {
    if (!service) throw new TypeError("Failed to fetch");
    return { status: 200, ok: true, headers: new Headers(), json: async () => service };
  };
  return fake.storage.local.set({ backendUrl: BACKEND, connection: { token: "t", backendUrl: BACKEND } });
}

beforeEach(() => setUp(30000));

test("the periodic sync alarm is there even when the service is down at start-up", async () => {
  await syncAlarms(clock.now);
  assert.ok(await fake.alarms.get(SYNC_ALARM));
});

test("an alarm already due is not pushed back by every sync (packed builds wait 30 s)", async () => {
  service = [meetingWithAlarmAt(T0 - 1000)]; // due a second ago
  await syncAlarms(clock.now);
  const first = (await fake.alarms.get(`appt:${MEETING_ID}`)).scheduledTime;
  assert.equal(first, T0 + 30000);

  for (const later of [10000, 20000, 29000]) {
    clock.now = T0 + later; // the user saves other appointments meanwhile: each change syncs
    await syncAlarms(clock.now);
    assert.equal((await fake.alarms.get(`appt:${MEETING_ID}`)).scheduledTime, first);
  }
});

test("one alarm time gives one notification, and a moved meeting gets a new one", async () => {
  service = [meetingWithAlarmAt(T0 + 60000)];
  await syncAlarms(clock.now);
  clock.now = T0 + 60000;
  await onAlarm({ name: `appt:${MEETING_ID}` }, clock.now);
  await onAlarm({ name: `appt:${MEETING_ID}` }, clock.now); // e.g. an alarm created again by an older sync
  assert.equal(fake.shown.length, 1);

  await syncAlarms(clock.now); // the notified meeting gets no new alarm
  assert.equal(await fake.alarms.get(`appt:${MEETING_ID}`), undefined);
  await onAlarm({ name: `appt:${MEETING_ID}` }, clock.now);
  assert.equal(fake.shown.length, 1);

  service = [meetingWithAlarmAt(T0 + 3600000)]; // moved an hour later
  await syncAlarms(clock.now);
  assert.equal((await fake.alarms.get(`appt:${MEETING_ID}`)).scheduledTime, T0 + 3600000);
  await onAlarm({ name: `appt:${MEETING_ID}` }, T0 + 3600000);
  assert.equal(fake.shown.length, 2);
});

test("an unpacked build's alarm a few seconds ahead is kept at its time", async () => {
  await setUp(1000);
  service = [meetingWithAlarmAt(T0 + 3000)];
  await syncAlarms(clock.now);
  await syncAlarms(clock.now + 1000);
  assert.equal((await fake.alarms.get(`appt:${MEETING_ID}`)).scheduledTime, T0 + 3000);
});
