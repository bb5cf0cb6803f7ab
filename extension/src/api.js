// The service worker's calls to the meetings service: bearer token from storage, errors as ApiError.

import { clearConnection, getBackendUrl, getConnection, setConnection } from "./config.js";

const t = (key) => chrome.i18n.getMessage(key);

export class ApiError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    this.extra = extra;
  }

  toJSON() {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

export async function callApi(method, path, body) {
  const [backendUrl, connection] = await Promise.all([getBackendUrl(), getConnection()]);
  if (!connection) throw new ApiError("not_connected", t("notConnected"));
  let response;
  try {
    response = await fetch(`${backendUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${connection.token}`,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("unreachable", t("backendUnreachable"));
  }
  // The service renews a token in use (a day old or more) beside any answer: keep the fresh one, so a browser in
  // use never has to sign in again while a token left unused runs out.
  const renewed = response.headers.get("X-Meetings-Token");
  if (renewed && response.ok) await keepRenewedToken(connection, renewed);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (response.ok) return data;
  if (response.status === 401) {
    await clearConnection(); // the token is dead: the next click connects the extension again
    throw new ApiError("not_connected", data.message || t("notConnected"));
  }
  const { error, message, ...extra } = data;
  throw new ApiError(error || `http_${response.status}`, message || t("backendUnreachable"), extra);
}

// Only in place of the token it renews: a connection made meanwhile (perhaps as another user) is never overwritten.
async function keepRenewedToken(sent, renewed) {
  const stored = await getConnection();
  if (stored?.token === sent.token) await setConnection(renewed, sent.backendUrl, sent.label);
}
