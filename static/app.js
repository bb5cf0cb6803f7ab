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
