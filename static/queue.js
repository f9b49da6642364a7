// The verification queue, quicker with JavaScript (it works without): a box that ticks every
// entry on the page (hidden when nothing can be ticked), and the "Verify all N on this page" button
// kept true while htmx verifies, queries or un-verifies entries in place (a settled row leaves the
// bulk form, so N goes down; an undo brings it back). On a phone long descriptions are cut to three
// lines with a button that shows them all: static/clamp.js.
(() => {
  "use strict";

  const rowBoxes = () => Array.from(document.querySelectorAll('input[name="entries"][form="queue-bulk"]'));

  function refresh() {
    const all = document.getElementById("queue-select-all");
    if (!all) {
      return;
    }
    const boxes = rowBoxes();
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    // Nothing left to tick: no box, and the column's heading says "Select" again (a heading is never empty).
    all.closest("[data-queue-select-all]").hidden = boxes.length === 0;
    document.querySelectorAll("[data-queue-without-js]").forEach((label) => { label.hidden = boxes.length > 0; });
    const onPage = document.querySelectorAll('input[name="on_page"][form="queue-bulk"]').length;
    const label = onPage === 1 ? "Verify this entry" : `Verify all ${onPage} on this page`;
    document.querySelectorAll("[data-queue-on-page]").forEach((button) => { button.textContent = label; });
    document.querySelectorAll("[data-queue-bulk]").forEach((group) => { group.hidden = onPage === 0; });
  }

  document.addEventListener("change", (event) => {
    if (event.target.id === "queue-select-all") {
      rowBoxes().forEach((box) => { box.checked = event.target.checked; });
    }
    if (rowBoxes().some((box) => box.checked)) { // something ticked: the error has gone
      const error = document.getElementById("queue-bulk-error");
      if (error && !error.hidden) {
        error.hidden = true;
        error.closest(".govuk-form-group").classList.remove("govuk-form-group--error");
      }
    }
    refresh();
  });
  document.addEventListener("htmx:afterSettle", refresh);
  // "Verify selected entries" with nothing ticked: the error shows by the button, where the person is,
  // rather than a trip to the server that brings the page back at its top (which it does without JavaScript).
  document.addEventListener("submit", (event) => {
    const error = document.getElementById("queue-bulk-error");
    if (event.target.id !== "queue-bulk" || !error) {
      return;
    }
    const nothingTicked = !rowBoxes().some((box) => box.checked);
    if (event.submitter && event.submitter.hasAttribute("data-queue-verify-selected") && nothingTicked) {
      event.preventDefault();
      error.hidden = false;
      error.closest(".govuk-form-group").classList.add("govuk-form-group--error");
    }
  });
  refresh();
})();
