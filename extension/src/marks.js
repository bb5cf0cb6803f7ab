// Small marks outside the dialog: the diary's video icon and the side panel's Join meeting button.
// A classic script (content scripts): globalThis.meetings.marks.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const { shadowHost, onPersonClick, videoIcon } = meetings.shadowDom;
  const t = (key) => chrome.i18n.getMessage(key);

  function createMeetingMark() {
    const { host, root } = shadowHost(
      "span",
      ":host { all: initial; display: inline-flex; vertical-align: middle; margin-left: 4px; } svg { width: 16px; height: 16px; fill: #0b6bcb; }",
    );
    root.append(videoIcon(t("videoMeeting")));
    return host;
  }

  // The join URL lives in this closure only, never in the page's DOM.
  function createSidePanelJoin(joinUrl) {
    const { host, root } = shadowHost(
      "div",
      `:host { all: initial; display: block; margin-top: 6px; font: 14px system-ui, sans-serif; }
       button { font: inherit; border-radius: 6px; padding: 5px 12px; border: 1px solid #0b6bcb; background: #0b6bcb; color: #fff; cursor: pointer; }
       button:focus-visible { outline: 3px solid #7ab8f5; outline-offset: 2px; }`,
    );
    const join = document.createElement("button");
    join.type = "button";
    join.textContent = t("joinMeeting");
    onPersonClick(join, () => window.open(joinUrl, "_blank", "noopener"));
    root.append(join);
    return host;
  }

  meetings.marks = { createMeetingMark, createSidePanelJoin };
})();
