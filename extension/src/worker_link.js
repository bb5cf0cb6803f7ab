// The content script's line to the service worker: questions (answered {ok, result} or {ok: false, error}) and the
// worker's news (the connection changed). The content script reads no extension storage: it may not (the worker
// keeps chrome.storage.local to trusted contexts, so no page can get at the token through us).
// A classic script (content scripts): globalThis.meetings.workerLink.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const { MessageType } = meetings;
  const t = (key) => chrome.i18n.getMessage(key);
  const listeners = new Set();

  async function ask(message) {
    const lost = { ok: false, error: { code: "no_answer", message: t("extensionReloaded") } };
    try {
      return (await chrome.runtime.sendMessage(message)) || lost;
    } catch {
      return lost;
    }
  }

  // Calls `listener({connected})` each time the worker says the connection or the service address changed.
  function onConnectionChanged(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  // Resolves the next time the worker says this browser is connected.
  function whenConnected() {
    return new Promise((resolve) => {
      const stop = onConnectionChanged(({ connected }) => {
        if (!connected) return;
        stop();
        resolve();
      });
    });
  }

  chrome.runtime.onMessage.addListener((message, sender) => {
    // Only the worker (tabs.sendMessage: our id, no tab) speaks to content scripts.
    if (sender.id !== chrome.runtime.id || sender.tab || message?.type !== MessageType.CONNECTION_CHANGED) return;
    for (const listener of [...listeners]) listener({ connected: message.connected === true });
  });

  meetings.workerLink = { ask, onConnectionChanged, whenConnected };
})();
