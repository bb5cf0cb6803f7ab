// Settings and maintenance: the Preferences tabs, and Configure, which opens the video meetings service's
// configuration page in a new window, as SuperOffice does.

const tabs = [...document.querySelectorAll('[role="tab"]')];

function select(tab) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  tab.focus();
}

for (const [index, tab] of tabs.entries()) {
  tab.addEventListener("click", () => select(tab));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step) select(tabs[(index + step + tabs.length) % tabs.length]);
  });
}

document.getElementById("configure-video-meetings")?.addEventListener("click", (event) => {
  window.open(event.currentTarget.dataset.configureUrl, "video-meetings-configuration", "popup,width=960,height=800");
});
