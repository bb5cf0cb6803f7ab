// Content scripts cannot be ES modules; this classic script loads the module that does the work.
(async () => {
  const { start } = await import(chrome.runtime.getURL("src/content.js"));
  start(document);
})();
