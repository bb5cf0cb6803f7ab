// One follow-up's video meeting as the dialog shows it. It outlives the dialog element: when the CRM re-renders the
// dialog, the new element is attached to the same DialogMeeting (content.js keys them by appointment, or by the
// new appointment's dialog session), so its idempotency key, its meeting and a request in flight carry over and a
// re-render can never make a second meeting.
// A classic script (content scripts): globalThis.meetings.dialogMeeting.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const { MessageType } = meetings;
  const crm = meetings.crmAdapter;
  const { onPersonClick } = meetings.shadowDom;
  const { openableJoinUrl } = meetings.joinLinks;
  const { ask, whenConnected } = meetings.workerLink;
  const { DESCRIPTION_LIMIT, LOCATION_LIMIT, locationWithLink, locationWithoutLink, withJoinLine, withoutJoinLine } =
    meetings.meetingText;
  const t = (key, ...values) => chrome.i18n.getMessage(key, values);

  function minutesBetween(start, end) {
    return Math.max(1, Math.round((end - start) / 60000));
  }

  // The service takes a title of at most 255 characters (what it keeps); a longer CRM title is cut, not refused.
  const TOPIC_LIMIT = 255;
  function topicOf(appointment) {
    return Array.from(appointment.title || t("untitledMeeting")).slice(0, TOPIC_LIMIT).join("");
  }

  function meetingRequest(appointment, key) {
    return {
      topic: topicOf(appointment),
      start: appointment.start.toISOString(),
      duration_minutes: minutesBetween(appointment.start, appointment.end),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
      idempotency_key: key,
      appointment_id: appointment.appointmentId,
      alarm_minutes_before: appointment.alarmMinutesBefore,
    };
  }

  class DialogMeeting {
    constructor(appointmentId, { afterNewSaved = () => {} } = {}) {
      this.appointmentId = appointmentId; // null for a new appointment
      this.afterNewSaved = afterNewSaved;
      this.dialog = null;
      this.ui = null;
      this.meeting = null;
      this.busy = false;
      this.loaded = false; // the service has answered which meeting the saved appointment has
      this.loading = false;
      this.closing = false; // the person pressed Save, Cancel or Escape
      this.problem = null; // what the panel says went wrong, shown again after a re-render
      this.key = null; // one idempotency key per "add", kept across the connect detours and re-renders
      this.addedLine = true; // whether our "Join meeting:" line is in the text (a reopened meeting's may be)
    }

    // The dialog element (first or re-rendered) and its new controls show this meeting's state.
    attach(dialog, ui) {
      this.dialog = dialog;
      this.ui = ui;
      onPersonClick(ui.elements.toggle, () => this.toggle());
      onPersonClick(ui.elements.copy, () => this.copy());
      onPersonClick(ui.elements.join, () => this.join());
      ui.setMeeting(this.meeting);
      ui.setBusy(this.busy);
      if (this.problem) ui.showProblem(...this.problem);
      this.load();
    }

    // The saved appointment's meeting, asked once (again after a failure, when content.js calls this on connect).
    async load() {
      if (this.loaded || this.loading) return;
      if (!this.appointmentId) {
        this.loaded = true;
        return;
      }
      this.loading = true;
      try {
        const answer = await ask({ type: MessageType.MEETINGS_FOR_APPOINTMENTS, appointmentIds: [this.appointmentId] });
        if (!answer.ok) return; // not connected yet, or the service is away: looked up again later
        this.loaded = true;
        if (answer.result.length && !this.meeting) this.show(answer.result[0]);
      } finally {
        this.loading = false;
      }
    }

    show(meeting) {
      this.meeting = meeting;
      this.ui.setMeeting(meeting);
    }

    say(...problem) {
      this.problem = problem;
      this.ui.showProblem(...problem);
    }

    async copy() {
      if (!this.meeting) return;
      await navigator.clipboard.writeText(this.meeting.join_url);
      this.ui.showCopied();
    }

    join() {
      const url = this.meeting && openableJoinUrl(this.meeting.join_url, chrome.runtime.getManifest());
      if (url) window.open(url, "_blank", "noopener");
    }

    toggle() {
      return this.resume(() => (this.meeting ? this.remove() : this.add()));
    }

    async add() {
      const appointment = crm.readAppointment(this.dialog);
      if (Number.isNaN(appointment.start.getTime()) || Number.isNaN(appointment.end.getTime())) {
        this.say(t("fillStartAndEnd"));
        return;
      }
      this.key ||= crypto.randomUUID();
      const answer = await ask({ type: MessageType.MEETING_CREATE, meeting: meetingRequest(appointment, this.key) });
      if (answer.ok) {
        this.key = null;
        this.show(answer.result);
        const url = answer.result.join_url;
        const now = crm.readAppointment(this.dialog); // what the person typed meanwhile stays (in today's element)
        const location = locationWithLink(now.location, url);
        crm.writeField(this.dialog, "location", location);
        // Mail Link mode: the link goes into the text; with an invitation template the invitation carries it. Either
        // way the saved appointment must hold the link somewhere (that is how its meeting is found): when Location
        // could not take it, the text does.
        const settings = await ask({ type: MessageType.SETTINGS });
        const described = withJoinLine(now.description, url);
        const mailLink = !settings.ok || settings.result.invitation_mode !== "template";
        const needsLine = mailLink || location !== url;
        this.addedLine = needsLine && described.length <= DESCRIPTION_LIMIT;
        if (this.addedLine) crm.writeField(this.dialog, "description", described);
        else if (needsLine) this.say(t("descriptionFull"));
        if (!now.location.trim() && url.length > LOCATION_LIMIT) this.say(t("locationFull"));
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
      const now = crm.readAppointment(this.dialog);
      crm.writeField(this.dialog, "location", locationWithoutLink(now.location, meeting.join_url));
      if (this.addedLine) crm.writeField(this.dialog, "description", withoutJoinLine(now.description, meeting.join_url));
      this.show(null);
    }

    // A failure: say what happened; where the person can fix it (connect, reconnect), open that for them and carry
    // on by itself once it is done. Nothing they typed in the dialog is touched.
    async recover(error, again) {
      if (error.code === "not_connected") {
        const open = () => ask({ type: MessageType.CONNECT_EXTENSION });
        this.say(t("connectingExtension"), t("connectExtension"), open);
        whenConnected().then(() => this.resume(again));
        await open();
        return;
      }
      if (error.code === "connect_needed" && error.connect_url) {
        // A new window each time: a finished connect window may still be closing itself.
        const open = () => window.open(error.connect_url, "_blank", "popup,width=600,height=720");
        this.say(error.message, t("connectAccount"), open);
        providerConnected(new URL(error.connect_url).origin).then(() => this.resume(again));
        open();
        return;
      }
      this.say(error.message || t("backendUnreachable"), t("tryAgain"), () => this.toggle());
    }

    async resume(again) {
      if (this.busy) return;
      this.busy = true;
      this.ui.setBusy(true);
      this.problem = null;
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
        topic: topicOf(appointment),
        start: appointment.start.toISOString(),
        duration_minutes: minutesBetween(appointment.start, appointment.end),
        alarm_minutes_before: appointment.alarmMinutesBefore,
      };
      if (appointment.appointmentId) changes.appointment_id = appointment.appointmentId;
      await ask({ type: MessageType.MEETING_UPDATE, id: meeting.id, changes });
      if (!appointment.appointmentId) this.afterNewSaved();
    }
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

  meetings.dialogMeeting = { DialogMeeting };
})();
