// The video meeting web panel in SuperOffice's follow-up dialog (see backend/web/panel.py for the design).
// It uses no cookies: its session is a bearer token in this frame's own sessionStorage, got through a sign-in
// window on our site that hands back a one-minute code, redeemed with a verifier only this frame knows.

const SESSION_KEY = "meetings.panelSession";
const container = document.getElementById("panel-meeting");
const crmOrigins = JSON.parse(document.body.dataset.crmOrigins || "[]");
const contextId = document.body.dataset.contextId || "";
const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
let signInWindow = null;
let connectWindow = null;

function session() {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null; // storage refused (a browser setting): the person signs in for each opening
  }
}

function keepSession(token) {
  try {
    if (token) sessionStorage.setItem(SESSION_KEY, token);
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // see session()
  }
  memory = token;
}

let memory = session();

function load() {
  if (container && memory) htmx.trigger(container, "panel:load");
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function signIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({ challenge, ctx: contextId });
  signInWindow = window.open(`/panel/sign-in?${query}`, "meetings-panel-sign-in", "popup,width=560,height=720");
  const listener = async (event) => {
    if (event.origin !== location.origin || event.source !== signInWindow) return;
    if (event.data?.type !== "meetings:panel-code") return;
    window.removeEventListener("message", listener);
    const response = await fetch("/panel/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code: event.data.code, verifier }),
    });
    if (!response.ok) return; // the window says what went wrong; the Sign in button stays
    keepSession((await response.json()).token);
    load();
  };
  window.addEventListener("message", listener);
}

// Ask SuperOffice to show the follow-up again (SuperOffice's cross-messaging: {command: "refresh"} to the parent),
// only to the company's own CRM addresses.
function refreshCrm() {
  if (window.parent === window) return;
  for (const origin of crmOrigins) window.parent.postMessage({ command: "refresh" }, origin);
}

async function copy(link, status) {
  try {
    await navigator.clipboard.writeText(link);
  } catch {
    // A frame without clipboard permission: the old way, from a selected field.
    const field = document.createElement("textarea");
    field.value = link;
    field.setAttribute("readonly", "");
    field.className = "visually-hidden";
    document.body.append(field);
    field.select();
    document.execCommand("copy");
    field.remove();
  }
  status.textContent = "Copied";
}

document.addEventListener("htmx:config:request", (event) => {
  if (memory) event.detail.ctx.request.headers.Authorization = `Bearer ${memory}`;
});

document.addEventListener("htmx:after:swap", () => {
  for (const field of document.querySelectorAll("[data-timezone]")) field.value = timezone;
  for (const time of document.querySelectorAll("[data-local-time]")) {
    time.textContent = localTime.format(new Date(time.getAttribute("datetime")));
  }
  if (document.querySelector("[data-session-ended]")) keepSession(null);
  const changed = document.querySelector("[data-crm-refresh]");
  if (changed) {
    changed.removeAttribute("data-crm-refresh");
    refreshCrm();
  }
});

document.addEventListener("click", (event) => {
  const target = event.target.closest("button, a");
  if (!target) return;
  if (target.matches("[data-panel-sign-in]")) signIn();
  else if (target.matches("[data-panel-reload]")) load();
  else if (target.matches("[data-copy-link]")) copy(target.dataset.copyLink, document.querySelector("[data-copied]"));
  else if (target.matches("[data-connect-url]")) {
    connectWindow = window.open(target.dataset.connectUrl, "meetings-connect", "popup,width=600,height=720");
  }
});

// The provider's connect window (opened above) says when the person's account is connected: show the panel again.
window.addEventListener("message", (event) => {
  if (event.source === connectWindow && event.origin === location.origin && event.data?.type === "meetings:connected") {
    load();
  }
});

// After htmx has processed the page (its own DOMContentLoaded listener was added first: its script comes first).
document.addEventListener("DOMContentLoaded", load);
