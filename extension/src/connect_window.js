// Connecting this browser: a window at the service's /extension/connect, where the person signs in with
// SuperOffice; when the page shows the token, the worker reads it from that tab (any service address the
// extension may reach), stores it and closes the window.

import { getBackendUrl, setConnection } from "./config.js";

const CONNECT_TAB_KEY = "connectTab";
const CLOSE_AFTER_MS = 1200; // let the person read "connected"

export async function openConnectWindow() {
  const backendUrl = await getBackendUrl();
  const opened = await chrome.windows.create({
    url: `${backendUrl}/extension/connect`,
    type: "popup",
    width: 560,
    height: 720,
  });
  await chrome.storage.session.set({ [CONNECT_TAB_KEY]: { windowId: opened.id, tabId: opened.tabs[0].id } });
  return {};
}

function readTokenFromPage() {
  const holder = document.querySelector("[data-extension-token]");
  return holder ? { token: holder.dataset.extensionToken, label: holder.dataset.extensionUser || "" } : null;
}

// tabs.onUpdated: when the connect tab has loaded the service's connect page, take the token from it.
export async function onTabUpdated(tabId, change, tab) {
  if (change.status !== "complete") return;
  const { [CONNECT_TAB_KEY]: connect } = await chrome.storage.session.get(CONNECT_TAB_KEY);
  if (!connect || connect.tabId !== tabId) return;
  const backendUrl = await getBackendUrl();
  const page = new URL(tab.url || "about:blank");
  if (page.origin !== new URL(backendUrl).origin || page.pathname !== "/extension/connect") return;
  const [{ result } = {}] = await chrome.scripting.executeScript({ target: { tabId }, func: readTokenFromPage });
  if (!result?.token) return; // e.g. "not set up yet": the page says so, the person reads it
  await setConnection(result.token, backendUrl, result.label);
  await chrome.storage.session.remove(CONNECT_TAB_KEY);
  setTimeout(() => chrome.windows.remove(connect.windowId).catch(() => {}), CLOSE_AFTER_MS);
}
