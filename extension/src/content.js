// The content script: gives every follow-up dialog its video controls (once, and again after the CRM re-renders
// the dialog) and marks the diary and the side panel. Runs only where the worker agrees this is a CRM page, and
// stands down when the extension that started it is gone (an update or reload; the new version injects itself).
// Cheap when there is no dialog: one query per animation frame of changes.
// A classic script, the last of the content scripts (manifest.json and crm_origins.js list them in order).
(() => {
  const meetings = globalThis.meetings;
  const { MessageType } = meetings;
  const crm = meetings.crmAdapter;
  const { createMeetingMark, createSidePanelJoin } = meetings.marks;
  const { createVideoControls } = meetings.videoControls;
  const { DialogMeeting } = meetings.dialogMeeting;
  const { openableJoinUrl } = meetings.joinLinks;
  const { ask, onConnectionChanged } = meetings.workerLink;

  const instance = crypto.randomUUID(); // our hosts carry it: a newer instance clears an older one's
  const ourHosts = new WeakSet(); // the host elements this instance made (a copy of one is not ours)
  const isOurs = (host) => ourHosts.has(host);
  function made(host) {
    if (host) ourHosts.add(host);
    return host;
  }
  const RECHECK_AFTER_SAVE_MS = [1500, 5000];
  const RETRY_FIRST_MS = 3000;
  const RETRY_MAX_MS = 60000;
  const PANEL_ANSWER_MS = 5000;
  const LOOKUP_BATCH = 100; // appointments per question (the worker takes at most 200)

  // Dialog key ("appt:<id>", or "new:<session>" for a new appointment) -> its DialogMeeting, for this page's life.
  const dialogMeetings = new Map();
  const wired = new WeakSet(); // dialog elements whose Save and close we listen to
  let newSession = 0;

  // The newest instance in this world wins (injected again into a page that has one, or an update whose new
  // version shares the old one's world), and an instance whose extension is gone (updated, reloaded, removed: its
  // runtime has no id any more) stands down.
  meetings.contentInstance = instance;
  const runtime = chrome.runtime;
  const alive = () => meetings.contentInstance === instance && Boolean(runtime?.id);
  let observer = null;
  let stopped = false;

  function standDown() {
    if (stopped) return;
    stopped = true;
    observer?.disconnect();
    clearTimeout(retryTimer);
    crm.removeHosts(document, instance);
  }

  function dialogMeeting(key, appointmentId) {
    let meeting = dialogMeetings.get(key);
    if (!meeting) {
      meeting = new DialogMeeting(appointmentId, {
        // A new appointment gets its id when the CRM saves it, and the service learns it from the CRM shortly
        // after: look at the redrawn diary again then.
        afterNewSaved: () => RECHECK_AFTER_SAVE_MS.forEach((delay) => setTimeout(recheckDiary, delay)),
      });
      dialogMeetings.set(key, meeting);
    }
    return meeting;
  }

  // Gives the dialog our controls unless it has them; returns its key.
  function equip(dialog) {
    const appointmentId = crm.appointmentIdOf(dialog);
    const key = appointmentId ? `appt:${appointmentId}` : `new:${newSession}`;
    const stepAside = Boolean(crm.ownVideoMeetingControl(dialog));
    const tag = `${instance}:${stepAside ? "aside" : "toggle"}`;
    if (crm.hasVideoControls(dialog, tag, stepAside, isOurs)) return key;
    crm.removeVideoControls(dialog); // an older instance's, half of a pair, or the other mode's
    const ui = createVideoControls({ stepAside });
    made(ui.controlsHost);
    made(ui.panelHost);
    if (!stepAside) {
      const meeting = dialogMeeting(key, appointmentId);
      meeting.attach(dialog, ui);
      if (!wired.has(dialog)) {
        wired.add(dialog);
        crm.onSave(dialog, (appointment) => meeting.saved(appointment));
        crm.onClose(dialog, () => {
          meeting.closing = true;
        });
      }
      crm.placeVideoControls(dialog, ui.controlsHost, tag);
    }
    crm.placeMeetingPanel(dialog, ui.panelHost, tag);
    return key;
  }

  // A dialog the person closed (Save, Cancel, Escape) ends its session; a re-rendered one keeps it.
  function endClosedSessions(present) {
    for (const [key, meeting] of dialogMeetings) {
      if (present.has(key)) meeting.closing = false;
      else if (meeting.closing) {
        dialogMeetings.delete(key);
        if (key.startsWith("new:")) newSession += 1;
      }
    }
  }

  // The diary's icons and the side panel's Join meeting: one lookup for all newly drawn entries at a time; entries
  // whose lookup failed (not connected yet, service away) are looked up again later and when the extension connects.
  let lookedUp = new WeakSet();
  const panelAnswers = new Map(); // appointment id -> {meeting, at}: a just-drawn side panel needs no second lookup
  let marking = false;
  let retryTimer = null;
  let retryDelay = RETRY_FIRST_MS;

  function recheckDiary() {
    lookedUp = new WeakSet(); // entries with a mark keep it; the others are looked up once more
    panelAnswers.clear();
    markDiary();
  }

  function retryLater() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (!stopped) markDiary();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  async function markDiary() {
    if (marking) return;
    const entries = crm.diaryEntries(document).filter((entry) => !lookedUp.has(entry.element));
    const panel = crm.sidePanel(document);
    const panelId = panel?.appointmentId;
    const panelNeedsLookup =
      panelId &&
      !crm.sidePanelJoin(panel.element, panelId, instance, isOurs) &&
      !(Date.now() - (panelAnswers.get(panelId)?.at || 0) < PANEL_ANSWER_MS);
    if (!entries.length && !panelNeedsLookup) {
      showSidePanelJoin(panel);
      return;
    }
    marking = true;
    try {
      for (const entry of entries) lookedUp.add(entry.element);
      const ids = [...new Set([...entries.map((entry) => entry.appointmentId), ...(panelNeedsLookup ? [panelId] : [])])];
      const found = [];
      for (let first = 0; first < ids.length; first += LOOKUP_BATCH) {
        const batch = ids.slice(first, first + LOOKUP_BATCH);
        const answer = await ask({ type: MessageType.MEETINGS_FOR_APPOINTMENTS, appointmentIds: batch });
        if (!answer.ok) {
          for (const entry of entries) lookedUp.delete(entry.element);
          retryLater();
          return;
        }
        found.push(...answer.result);
      }
      retryDelay = RETRY_FIRST_MS;
      const byAppointment = new Map(found.map((meeting) => [meeting.appointment_id, meeting]));
      for (const entry of entries) {
        if (byAppointment.has(entry.appointmentId) && !crm.hasMark(entry.element, instance, isOurs)) {
          crm.placeMark(entry.element, made(createMeetingMark()), instance);
        }
      }
      if (panelId) panelAnswers.set(panelId, { meeting: byAppointment.get(panelId) || null, at: Date.now() });
      showSidePanelJoin(crm.sidePanel(document));
    } finally {
      marking = false;
    }
  }

  function showSidePanelJoin(panel) {
    if (!panel?.appointmentId || crm.sidePanelJoin(panel.element, panel.appointmentId, instance, isOurs)) return;
    const meeting = panelAnswers.get(panel.appointmentId)?.meeting;
    const url = meeting && openableJoinUrl(meeting.join_url, chrome.runtime.getManifest());
    if (url) crm.placeSidePanelJoin(panel.element, made(createSidePanelJoin(url)), panel.appointmentId, instance);
  }

  function scan() {
    if (stopped) return;
    if (!alive()) {
      standDown();
      return;
    }
    const present = new Set(crm.findFollowUpDialogs(document).map(equip));
    endClosedSessions(present);
    markDiary();
  }

  async function start() {
    // The worker answers only pages on a registered CRM address: anywhere else, do nothing at all.
    const status = await ask({ type: MessageType.CONNECTION_STATUS });
    if (!status.ok || !document.body) {
      stopped = true;
      return;
    }
    crm.removeHosts(document); // an older instance's (it stands down by itself too)
    let scheduled = false;
    observer = new MutationObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        scan();
      });
    });
    observer.observe(document.body, { childList: true, subtree: true });
    onConnectionChanged(({ connected }) => {
      if (!connected || stopped) return;
      retryDelay = RETRY_FIRST_MS;
      for (const meeting of dialogMeetings.values()) meeting.load();
      recheckDiary();
    });
    scan();
  }

  start();
})();
