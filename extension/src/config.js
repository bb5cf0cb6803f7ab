// The extension's settings, kept in chrome.storage.local: the one place they are read and written.

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:8000";

const KEYS = { backendUrl: "backendUrl", connection: "connection" };

function storage() {
  return chrome.storage.local;
}

// What a person typed or pasted as a web address: a URL when it is http(s) with a host and no user name or
// password in it, else null. The service address and the CRM addresses are both read this way.
export function webAddress(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return null;
  }
  if (!["https:", "http:"].includes(url.protocol) || url.username || url.password || !url.hostname) return null;
  return url;
}

// The service's base URL from what a person typed, or null when it is not an http(s) address.
export function normaliseBackendUrl(text) {
  const url = webAddress(text);
  if (!url || url.search || url.hash) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

// The host permission pattern that lets the service worker reach the service (any port of that host).
export function permissionPattern(backendUrl) {
  const url = new URL(backendUrl);
  return `${url.protocol}//${url.hostname}/*`;
}

export async function getBackendUrl() {
  const stored = await storage().get(KEYS.backendUrl);
  return stored[KEYS.backendUrl] || DEFAULT_BACKEND_URL;
}

export async function setBackendUrl(url) {
  await storage().set({ [KEYS.backendUrl]: url });
}

// The signed-in CRM user's connection to the service ({token, backendUrl}), or null before the user connects.
// It belongs to one service address: changing the address in the options ends it.
export async function getConnection() {
  const stored = await storage().get([KEYS.connection, KEYS.backendUrl]);
  const connection = stored[KEYS.connection];
  const backendUrl = stored[KEYS.backendUrl] || DEFAULT_BACKEND_URL;
  return connection && connection.backendUrl === backendUrl ? connection : null;
}

export async function setConnection(token, backendUrl, label = "") {
  await storage().set({ [KEYS.connection]: { token, backendUrl, label } });
}

export async function clearConnection() {
  await storage().remove(KEYS.connection);
}

export const CONNECTION_KEY = KEYS.connection;
