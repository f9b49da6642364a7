// Small enhancements for every page (base.html loads this file; the pages work without it).
//
// 1. The title says "Error: " while the page shows an error, after htmx swaps part of it too. A page
//    sent with errors already starts its <title> with "Error: " (base.html); a form that htmx sends
//    and swaps back in place with its errors does not change the title, so this does, after every
//    swap: "Error: " while an error summary or message is on the page, and not once they are gone.
// 2. A link to a form's box (an address ending #response-12, say) puts the cursor in it, as GOV.UK's
//    error summary does for its links: the browser alone would only scroll to it.
// 3. After an action the page opens at its message: the redirect's address ends #main-content
//    (apprenticeships/templating.py), which without JavaScript brings the banner into view. With it,
//    GOV.UK Frontend moves the focus to a success (or error) banner, role="alert", so that a screen
//    reader reads it out and the next Tab goes on from it; but the browser, going to #main-content
//    once the page is parsed, would take that focus away again (a <main> cannot hold it). So the
//    address loses that anchor here, while the page is still being parsed, and the banner keeps it.
// 4. A <details data-app-open-wide> (the cohort page's filters) opens on a screen wider than a
//    phone's: on a phone it stays folded, so that what it filters comes first.
// 5. When htmx swaps away the control that was used (a link of the pages, a form saved in place), the
//    focus would fall to <body>, and a keyboard or screen reader user back to the top of the page.
//    htmx itself gives it back to the control's namesake in what came in, for a control with an id (the
//    cohort table's sort links and page links); failing that, a control inside an element marked
//    data-app-refocus="some-id" hands it to that element (the table, the message of what was saved).
{ // a block: nothing here is global
  const ERROR = "Error: ";
  const ERRORS_SHOWN = ".govuk-error-summary, .govuk-error-message";

  document.body.addEventListener("htmx:afterSettle", () => {
    const title = document.title.startsWith(ERROR) ? document.title.slice(ERROR.length) : document.title;
    // Only errors a person can see: a page may hold a hidden one, ready for a script to fill.
    const shown = [...document.querySelectorAll(ERRORS_SHOWN)].some((e) => e.getClientRects().length > 0);
    document.title = shown ? ERROR + title : title;
  });

  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (document.activeElement && document.activeElement !== document.body) {
      return; // the focus is where it was, or htmx has put it back
    }
    const used = event.detail.requestConfig && event.detail.requestConfig.elt;
    const marked = used && !used.isConnected && used.closest("[data-app-refocus]");
    const place = marked && document.getElementById(marked.dataset.appRefocus);
    if (place) {
      place.focus({ preventScroll: true });
    }
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

  // This file runs at the end of <body>, before the page is parsed to its end: see base.html.
  const BANNERS_ANCHOR = "#main-content";
  const FOCUSED_BANNER = '.govuk-notification-banner[role="alert"]:not([data-disable-auto-focus="true"])';
  if (window.location.hash === BANNERS_ANCHOR && document.body.classList.contains("govuk-frontend-supported")
      && document.querySelector(FOCUSED_BANNER)) {
    window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  }

  const WIDE = window.matchMedia("(min-width: 40.0625em)"); // GOV.UK's tablet breakpoint
  if (WIDE.matches) {
    for (const details of document.querySelectorAll("details[data-app-open-wide]")) {
      details.open = true;
    }
  }
}
