// Small enhancements for every page (base.html loads this file; the pages work without it).
//
// 1. The title says "Error: " while the page shows an error, after htmx swaps part of it too. A page
//    sent with errors already starts its <title> with "Error: " (base.html); a form that htmx sends
//    and swaps back in place with its errors does not change the title, so this does, after every
//    swap: "Error: " while an error summary or message is on the page, and not once they are gone.
// 2. A link to a form's box (an address ending #response-12, say) puts the cursor in it, as GOV.UK's
//    error summary does for its links: the browser alone would only scroll to it.
{ // a block: nothing here is global
  const ERROR = "Error: ";
  const ERRORS_SHOWN = ".govuk-error-summary, .govuk-error-message";

  document.body.addEventListener("htmx:afterSettle", () => {
    const title = document.title.startsWith(ERROR) ? document.title.slice(ERROR.length) : document.title;
    // Only errors a person can see: a page may hold a hidden one, ready for a script to fill.
    const shown = [...document.querySelectorAll(ERRORS_SHOWN)].some((e) => e.getClientRects().length > 0);
    document.title = shown ? ERROR + title : title;
  });

  function focusTarget() {
    let target = null;
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch {
      return;
    }
    if (target && target.matches("textarea, input:not([type=hidden]), select") && !target.disabled) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" }); // with its label and what comes just before it in view
    }
  }

  focusTarget();
  window.addEventListener("hashchange", focusTarget);
}
