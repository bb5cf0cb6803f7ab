// The controls the extension adds to a follow-up dialog. The caller decides what happens on a click.
// A classic script (content scripts): globalThis.meetings.videoControls.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const { element, onPersonClick, shadowHost, videoIcon } = meetings.shadowDom;
  const { openableJoinUrl } = meetings.joinLinks;
  const t = (key) => chrome.i18n.getMessage(key);

  const CONTROL_STYLE = `
    :host { all: initial; display: inline-flex; align-items: center; }
    button {
      all: unset; box-sizing: border-box; display: inline-grid; place-items: center; width: 32px; height: 32px;
      border-radius: 6px; border: 1px solid #9fb3c2; background: #fff; color: #0b6bcb; cursor: pointer;
    }
    button:hover { background: #eef5fc; }
    button:focus-visible { outline: 3px solid #7ab8f5; outline-offset: 2px; }
    button[aria-pressed="true"] { background: #0b6bcb; border-color: #0b6bcb; color: #fff; }
    button[aria-busy="true"] { opacity: 0.6; cursor: progress; }
    svg { width: 20px; height: 20px; fill: currentColor; }
  `;

  const PANEL_STYLE = `
    :host { all: initial; display: block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; }
    .meeting { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; margin: 6px 0 0; padding: 8px 10px;
      border: 1px solid #cfe0f1; border-radius: 6px; background: #f3f8fd; }
    .meeting[hidden] { display: none; }
    .link { flex: 1 1 100%; color: #0b5cad; word-break: break-all; }
    button { font: inherit; border-radius: 6px; padding: 4px 10px; border: 1px solid #0b6bcb; background: #fff; color: #0b6bcb; cursor: pointer; }
    button.primary { background: #0b6bcb; color: #fff; }
    button:focus-visible { outline: 3px solid #7ab8f5; outline-offset: 2px; }
    [role="status"] { color: #1b7f3b; }
    [role="status"]:empty { display: none; }
    .problem { margin: 6px 0 0; padding: 8px 10px; border-radius: 6px; background: #fdecea; color: #8c1d18; }
    .problem[hidden] { display: none; }
    .problem button { margin-top: 6px; border-color: #8c1d18; color: #8c1d18; }
    .note { margin: 6px 0 0; color: #5b6776; }
  `;

  // The video toggle (next to the meeting type) and the meeting panel (below it) for one dialog; with `stepAside`
  // (SuperOffice's own video icon is already there) no toggle, only a note saying so.
  function createVideoControls({ stepAside = false } = {}) {
    const controls = shadowHost("span", CONTROL_STYLE);
    const panel = shadowHost("div", PANEL_STYLE);

    const toggle = element("button", { type: "button", "aria-pressed": "false" }, videoIcon());
    controls.root.append(toggle);

    const link = element("a", { class: "link", target: "_blank", rel: "noopener" });
    const copy = element("button", { type: "button" }, t("copyMeetingLink"));
    const join = element("button", { type: "button", class: "primary" }, t("joinMeeting"));
    const copied = element("span", { role: "status" });
    const meeting = element("div", { class: "meeting", hidden: "" }, link, copy, join, copied);
    const note = element("p", { role: "note", class: "note", hidden: "" }, t("ownVideoMeetingThere"));
    const message = element("span");
    const action = element("button", { type: "button", hidden: "" });
    const problem = element("div", { role: "alert", class: "problem", hidden: "" }, message, element("br"), action);
    panel.root.append(note, meeting, problem);

    let onAction = null;
    onPersonClick(action, () => onAction?.());
    onPersonClick(link, () => {}); // a person's click follows the link; a synthetic one is dropped

    const ui = {
      controlsHost: stepAside ? null : controls.host,
      panelHost: panel.host,
      elements: { toggle, copy, join },
      setMeeting(current) {
        const on = Boolean(current);
        const name = t(on ? "removeVideoMeeting" : "addVideoMeeting");
        toggle.setAttribute("aria-pressed", String(on));
        toggle.setAttribute("aria-label", name);
        toggle.title = name;
        meeting.hidden = !on;
        link.textContent = on ? current.join_url : "";
        const openable = on ? openableJoinUrl(current.join_url, chrome.runtime.getManifest()) : null;
        if (openable) link.href = openable;
        else link.removeAttribute("href");
        join.hidden = !openable;
        copied.textContent = "";
      },
      setBusy(busy) {
        toggle.setAttribute("aria-busy", String(busy));
      },
      showCopied() {
        copied.textContent = t("copied");
      },
      showProblem(text, actionLabel = null, handler = null) {
        message.textContent = text;
        action.hidden = !actionLabel;
        action.textContent = actionLabel || "";
        onAction = handler;
        problem.hidden = false;
      },
      clearProblem() {
        problem.hidden = true;
        message.textContent = "";
        onAction = null;
      },
    };
    ui.setMeeting(null);
    note.hidden = !stepAside;
    return ui;
  }

  meetings.videoControls = { createVideoControls };
})();
