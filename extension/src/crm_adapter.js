// The only module that knows the CRM's markup, and all it knows is read from the table in crm_profiles.js.
// Anchors are stable, accessible attributes (role="dialog", labels, data-*), never generated class names.
// Hosts of our own UI carry the content script instance's id, so a newer instance (after an extension update)
// can tell a stale host from its own.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const { PROFILES, FIELD_CONTROLS, BUTTONS, OWN_VIDEO_MEETING, NOT_OWN_VIDEO_MEETING, LABELS, labelTexts, normaliseLabel } =
    meetings.crmProfiles;
  const { appointmentInAddress } = meetings.soProtocol;

  const CONTROLS_HOST = "data-meetings-controls";
  const PANEL_HOST = "data-meetings-panel";
  const MARK_HOST = "data-meetings-mark";
  const SIDE_PANEL_HOST = "data-meetings-side-panel";
  const TEXTS = Object.fromEntries(Object.keys(LABELS).map((key) => [key, labelTexts(key)]));

  function profileFor(doc) {
    return PROFILES.find((profile) => profile.detect && doc.querySelector(profile.detect)) || PROFILES.at(-1);
  }

  function labelledBy(control) {
    const ids = control.getAttribute("aria-labelledby");
    if (!ids) return null;
    return ids
      .split(/\s+/)
      .map((id) => control.ownerDocument.getElementById(id)?.textContent || "")
      .join(" ");
  }

  // The field named `key` in the table: {label, control}, or null.
  function labelled(root, key) {
    const texts = TEXTS[key];
    for (const label of root.querySelectorAll("label")) {
      if (texts.has(normaliseLabel(label.textContent)) && label.control && root.contains(label.control)) {
        return { label, control: label.control };
      }
    }
    for (const control of root.querySelectorAll(FIELD_CONTROLS)) {
      if (texts.has(normaliseLabel(control.getAttribute("aria-label") ?? labelledBy(control)))) {
        return { label: control, control };
      }
    }
    return null;
  }

  function buttonsNamed(root, key) {
    const texts = TEXTS[key];
    return [...root.querySelectorAll(BUTTONS)].filter((button) =>
      texts.has(normaliseLabel(button.getAttribute("aria-label") ?? (button.value || button.textContent))),
    );
  }

  // Follow-up dialogs currently in the page: dialogs that have a meeting-type field.
  function findFollowUpDialogs(doc) {
    const profile = profileFor(doc);
    return [...doc.querySelectorAll(profile.dialog)].filter((dialog) => labelled(dialog, "meetingType"));
  }

  // SuperOffice's own video-meeting control, when the dialog already has one (then ours step aside). A web panel's
  // tab or frame named "Video meeting" (ours, shown by SuperOffice in the dialog) is not that control.
  function ownVideoMeetingControl(dialog) {
    const texts = TEXTS.videoMeeting;
    return (
      [...dialog.querySelectorAll(OWN_VIDEO_MEETING)].find(
        (node) =>
          !node.matches(NOT_OWN_VIDEO_MEETING) &&
          texts.has(normaliseLabel(node.getAttribute("aria-label") ?? node.getAttribute("title") ?? "")),
      ) || null
    );
  }

  // Where the video icon goes: right after the meeting-type field's control.
  function placeVideoControls(dialog, host, instance) {
    host.setAttribute(CONTROLS_HOST, instance);
    labelled(dialog, "meetingType").control.insertAdjacentElement("afterend", host);
  }

  // Where the meeting link and messages go: below the whole meeting-type field (label and control).
  function placeMeetingPanel(dialog, host, instance) {
    const { label, control } = labelled(dialog, "meetingType");
    let field = control.parentElement;
    while (field && !field.contains(label) && field !== dialog) field = field.parentElement;
    host.setAttribute(PANEL_HOST, instance);
    (field === dialog ? control : field).insertAdjacentElement("afterend", host);
  }

  function hosts(root, attribute) {
    return [...root.querySelectorAll(`[${attribute}]`)];
  }

  // Whether this instance's panel is in the dialog (the toggle too, unless `panelOnly`). `isOurs` tells a host we
  // made from a copy (a CRM that re-renders by cloning copies the host element, not its closed shadow root).
  function hasVideoControls(dialog, instance, panelOnly, isOurs) {
    const mine = (attribute) =>
      hosts(dialog, attribute).some((host) => host.getAttribute(attribute) === instance && isOurs(host));
    return mine(PANEL_HOST) && (panelOnly || mine(CONTROLS_HOST));
  }

  // Removes our hosts from the dialog: all of them, or all but this instance's.
  function removeVideoControls(dialog, keepInstance = null) {
    for (const attribute of [CONTROLS_HOST, PANEL_HOST]) {
      for (const host of hosts(dialog, attribute)) if (host.getAttribute(attribute) !== keepInstance) host.remove();
    }
  }

  // The addresses that may carry SoProtocol: this frame's and, when the CRM puts the dialog in a frame, the top's.
  function addresses(doc) {
    const own = doc.defaultView?.location.href;
    let top = null;
    try {
      top = doc.defaultView?.top?.location.href ?? null; // a frame of another origin cannot be read: fine
    } catch {
      top = null;
    }
    return [own, top].filter(Boolean);
  }

  // The dialog's saved appointment id, or null for a new one: from the SoProtocol address first, then the markup.
  function appointmentIdOf(dialog) {
    for (const href of addresses(dialog.ownerDocument)) {
      const shown = appointmentInAddress(href);
      if (shown) return shown.appointmentId;
    }
    const attribute = profileFor(dialog.ownerDocument).dialogAppointmentId;
    const id = attribute ? Number(dialog.getAttribute(attribute)) : NaN;
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  // What the dialog says about the appointment now.
  function readAppointment(dialog) {
    const value = (key) => labelled(dialog, key)?.control.value ?? "";
    const alarm = labelled(dialog, "alarm")?.control;
    const lead = Number(value("alarmLeadTime") || 0);
    return {
      appointmentId: appointmentIdOf(dialog),
      title: value("title").trim(),
      start: new Date(value("start")),
      end: new Date(value("end")),
      location: value("location"),
      description: value("description"),
      alarmMinutesBefore: alarm?.checked && Number.isInteger(lead) && lead >= 0 ? lead : null,
    };
  }

  // Change a field as if the person typed it, so that the CRM's own code sees the change.
  function writeField(dialog, key, text) {
    const field = labelled(dialog, key)?.control;
    if (!field || field.value === text) return;
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The CRM's Save (its own button, so the CRM's own scripts may press it too): capture phase, before the CRM's
  // handler closes the dialog.
  function onSave(dialog, listener) {
    for (const save of buttonsNamed(dialog, "save")) {
      save.addEventListener("click", () => listener(readAppointment(dialog)), { capture: true });
    }
  }

  // The person closes the dialog (Save, Cancel, Close or Escape): the end of this dialog's session, unlike a
  // re-render, which replaces the dialog without any of these.
  function onClose(dialog, listener) {
    for (const button of [...buttonsNamed(dialog, "save"), ...buttonsNamed(dialog, "cancel")]) {
      button.addEventListener("click", listener, { capture: true });
    }
    dialog.addEventListener("keydown", (event) => event.key === "Escape" && listener(), { capture: true });
  }

  // Appointments shown in the diary, each an element that carries the appointment's id.
  function diaryEntries(doc) {
    const { diaryEntries: selector, diaryEntryAppointmentId: attribute } = profileFor(doc);
    if (!selector) return [];
    return [...doc.querySelectorAll(selector)]
      .map((element) => ({ element, appointmentId: Number(element.getAttribute(attribute)) }))
      .filter((entry) => Number.isSafeInteger(entry.appointmentId) && entry.appointmentId > 0);
  }

  function hasMark(entry, instance, isOurs) {
    return hosts(entry, MARK_HOST).some((host) => host.getAttribute(MARK_HOST) === instance && isOurs(host));
  }

  function placeMark(entry, host, instance) {
    for (const stale of hosts(entry, MARK_HOST)) stale.remove();
    host.setAttribute(MARK_HOST, instance);
    entry.append(host);
  }

  // The side panel and the appointment it shows (null when none is selected).
  function sidePanel(doc) {
    const { sidePanel: selector, sidePanelAppointmentId: attribute } = profileFor(doc);
    const element = selector && doc.querySelector(selector);
    if (!element) return null;
    const id = Number(element.getAttribute(attribute));
    return { element, appointmentId: Number.isSafeInteger(id) && id > 0 ? id : null };
  }

  // This instance's Join meeting in the side panel, if it is there for this appointment.
  function sidePanelJoin(panel, appointmentId, instance, isOurs) {
    const tag = `${instance}:${appointmentId}`;
    return hosts(panel, SIDE_PANEL_HOST).some((host) => host.getAttribute(SIDE_PANEL_HOST) === tag && isOurs(host));
  }

  function placeSidePanelJoin(panel, host, appointmentId, instance) {
    for (const stale of hosts(panel, SIDE_PANEL_HOST)) stale.remove();
    host.setAttribute(SIDE_PANEL_HOST, `${instance}:${appointmentId}`);
    panel.append(host);
  }

  // Removes our hosts from the document: one instance's (it stands down), or every instance's.
  function removeHosts(doc, instance = null) {
    for (const attribute of [CONTROLS_HOST, PANEL_HOST, MARK_HOST, SIDE_PANEL_HOST]) {
      for (const host of hosts(doc, attribute)) {
        if (!instance || host.getAttribute(attribute).startsWith(instance)) host.remove();
      }
    }
  }

  meetings.crmAdapter = {
    findFollowUpDialogs,
    ownVideoMeetingControl,
    placeVideoControls,
    placeMeetingPanel,
    hasVideoControls,
    removeVideoControls,
    appointmentIdOf,
    readAppointment,
    writeField,
    onSave,
    onClose,
    diaryEntries,
    hasMark,
    placeMark,
    sidePanel,
    sidePanelJoin,
    placeSidePanelJoin,
    removeHosts,
  };
})();
