// Small marks outside the dialog: the diary's video icon and the side panel's Join meeting button, each in its
// own open shadow root.

const t = (key) => chrome.i18n.getMessage(key);
const SVG = "http://www.w3.org/2000/svg";

function shadowHost(tag, css) {
  const host = document.createElement(tag);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
  return { host, root };
}

export function createMeetingMark() {
  const { host, root } = shadowHost(
    "span",
    ":host { all: initial; display: inline-flex; vertical-align: middle; margin-left: 4px; } svg { width: 16px; height: 16px; fill: #0b6bcb; }",
  );
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("videoMeeting"));
  const title = document.createElementNS(SVG, "title");
  title.textContent = t("videoMeeting");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M3 6.5A1.5 1.5 0 0 1 4.5 5h10A1.5 1.5 0 0 1 16 6.5v2.6l4.2-2.8A.5.5 0 0 1 21 6.7v10.6a.5.5 0 0 1-.8.4L16 14.9v2.6a1.5 1.5 0 0 1-1.5 1.5h-10A1.5 1.5 0 0 1 3 17.5z");
  svg.append(title, path);
  root.append(svg);
  return host;
}

export function createSidePanelJoin(joinUrl) {
  const { host, root } = shadowHost(
    "div",
    `:host { all: initial; display: block; margin-top: 6px; font: 14px system-ui, sans-serif; }
     button { font: inherit; border-radius: 6px; padding: 5px 12px; border: 1px solid #0b6bcb; background: #0b6bcb; color: #fff; cursor: pointer; }
     button:focus-visible { outline: 3px solid #7ab8f5; outline-offset: 2px; }`,
  );
  const join = document.createElement("button");
  join.type = "button";
  join.textContent = t("joinMeeting");
  join.addEventListener("click", () => window.open(joinUrl, "_blank", "noopener"));
  root.append(join);
  return host;
}
