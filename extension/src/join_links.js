// Which join links the extension opens (dialog, side panel, notification): https always; http only to a loopback
// host (the sandbox on this computer) and only in the development build, the one whose manifest still lists the
// loopback host permissions that `meetings extension pack` strips from the store build.
// A classic script (content scripts) that ES modules import for its side effect: globalThis.meetings.joinLinks.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

  function isDevelopmentBuild(manifest) {
    return (manifest?.host_permissions || []).some((pattern) => /^https?:\/\/(127\.0\.0\.1|localhost)\//.test(pattern));
  }

  // The join URL as a string when the extension may open it, else null.
  function openableJoinUrl(text, manifest) {
    let url;
    try {
      url = new URL(String(text));
    } catch {
      return null;
    }
    if (url.username || url.password) return null;
    if (url.protocol === "https:") return url.href;
    if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname) && isDevelopmentBuild(manifest)) return url.href;
    return null;
  }

  meetings.joinLinks = { openableJoinUrl };
})();
