// The controls the extension adds to a follow-up dialog, each in an open shadow root so that the CRM's CSS and
// ours never meet. Built with DOM calls only: no HTML from strings.

import { MessageType } from "./messages.js";

const t = (key) => chrome.i18n.getMessage(key);
const SVG = "http://www.w3.org/2000/svg";

const CONTROL_STYLE = `
  :host { all: initial; display: inline-flex; align-items: center; }
  button {
    all: unset; box-sizing: border-box; display: inline-grid; place-items: center; width: 32px; height: 32px;
    border-radius: 6px; border: 1px solid #9fb3c2; background: #fff; color: #0b6bcb; cursor: pointer;
  }
  button:hover { background: #eef5fc; }
  button:focus-visible { outline: 3px solid #7ab8f5; outline-offset: 2px; }
  button[aria-pressed="true"] { background: #0b6bcb; border-color: #0b6bcb; color: #fff; }
  svg { width: 20px; height: 20px; fill: currentColor; }
`;

const PANEL_STYLE = `
  :host { all: initial; display: block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  [role="alert"] { margin: 6px 0 0; padding: 8px 10px; border-radius: 6px; background: #fdecea; color: #8c1d18; }
  [role="alert"]:empty { display: none; }
`;

function videoIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M3 6.5A1.5 1.5 0 0 1 4.5 5h10A1.5 1.5 0 0 1 16 6.5v2.6l4.2-2.8A.5.5 0 0 1 21 6.7v10.6a.5.5 0 0 1-.8.4L16 14.9v2.6a1.5 1.5 0 0 1-1.5 1.5h-10A1.5 1.5 0 0 1 3 17.5z");
  svg.append(path);
  return svg;
}

function shadowHost(tag, css) {
  const host = document.createElement(tag);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
  return { host, root };
}

async function ask(message) {
  const answer = await chrome.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error || "no answer from the extension");
  return answer.result;
}

// Builds the video toggle and the message panel for one dialog; the caller places the two hosts.
export function createVideoControls() {
  const controls = shadowHost("span", CONTROL_STYLE);
  const panel = shadowHost("div", PANEL_STYLE);

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.setAttribute("aria-pressed", "false");
  toggle.setAttribute("aria-label", t("addVideoMeeting"));
  toggle.title = t("addVideoMeeting");
  toggle.append(videoIcon());
  controls.root.append(toggle);

  const alert = document.createElement("p");
  alert.setAttribute("role", "alert");
  panel.root.append(alert);

  toggle.addEventListener("click", async () => {
    alert.textContent = "";
    let status;
    try {
      status = await ask({ type: MessageType.CONNECTION_STATUS });
    } catch {
      alert.textContent = t("backendUnreachable");
      return;
    }
    if (!status.connected) alert.textContent = t("notConnected");
  });

  return { controlsHost: controls.host, panelHost: panel.host };
}
