// Building the extension's own UI inside the CRM page: closed shadow roots (a page script can neither read our UI,
// with its join links, nor reach its buttons; the CRM's CSS and ours never meet), DOM calls only (no HTML from
// strings), clicks that count only when a person made them, and the one video icon.
// A classic script (content scripts): globalThis.meetings.shadowDom.
(() => {
  const meetings = (globalThis.meetings ||= {});
  const SVG = "http://www.w3.org/2000/svg";
  const VIDEO_ICON_PATH =
    "M3 6.5A1.5 1.5 0 0 1 4.5 5h10A1.5 1.5 0 0 1 16 6.5v2.6l4.2-2.8A.5.5 0 0 1 21 6.7v10.6a.5.5 0 0 1-.8.4L16 14.9v2.6a1.5 1.5 0 0 1-1.5 1.5h-10A1.5 1.5 0 0 1 3 17.5z";

  function shadowHost(tag, css) {
    const host = document.createElement(tag);
    const root = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = css;
    root.append(style);
    return { host, root };
  }

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  // A click listener that ignores synthetic clicks (element.click(), dispatchEvent): only a person's click acts.
  function onPersonClick(node, listener) {
    node.addEventListener("click", (event) => {
      if (!event.isTrusted) {
        event.stopImmediatePropagation();
        event.preventDefault();
        return;
      }
      listener(event);
    });
  }

  // The video camera icon: decorative (aria-hidden) unless it is given an accessible name.
  function videoIcon(label = null) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    if (label) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", label);
      const title = document.createElementNS(SVG, "title");
      title.textContent = label;
      svg.append(title);
    } else {
      svg.setAttribute("aria-hidden", "true");
    }
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", VIDEO_ICON_PATH);
    svg.append(path);
    return svg;
  }

  meetings.shadowDom = { shadowHost, element, onPersonClick, videoIcon };
})();
