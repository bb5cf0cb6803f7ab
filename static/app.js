// Small page behaviours that must also work when htmx swaps content in (listeners are delegated).

// A form marked data-opens-dialog asks for confirmation in a <dialog> first; without JavaScript it simply
// submits and the server shows the same confirmation as a page.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-opens-dialog]");
  const dialog = form && document.getElementById(form.dataset.opensDialog);
  if (!dialog) return;
  event.preventDefault();
  dialog.showModal();
});

document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-closes-dialog]");
  const dialog = closer?.closest("dialog");
  if (!dialog) return;
  event.preventDefault();
  dialog.close();
});

// A form marked data-confirm asks first in the page's confirmation dialog; OK sends it (with confirmed=yes, which
// the server also accepts from its own confirmation page when JavaScript is off).
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target.closest("form[data-confirm]");
    const dialog = document.getElementById("confirm-dialog");
    if (!form || !dialog || form.querySelector('input[name="confirmed"]')) return;
    event.preventDefault();
    event.stopPropagation(); // before htmx sees it
    dialog.querySelector("[data-confirm-message]").textContent = form.dataset.confirm;
    const ok = dialog.querySelector("[data-confirm-ok]");
    const cancel = dialog.querySelector("[data-confirm-cancel]");
    const close = () => {
      ok.onclick = null;
      cancel.onclick = null;
      dialog.close();
    };
    ok.onclick = () => {
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "yes";
      form.append(confirmed);
      close();
      form.requestSubmit();
    };
    cancel.onclick = close;
    dialog.showModal();
  },
  true,
);
