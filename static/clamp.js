// Long descriptions cut to three lines, with a button after each that shows it all (and hides it
// again): the verification queue's cards on a phone (templates/logbook/_queue_row.html) and an
// apprentice's latest entries on their record (templates/logbook/_entries_table.html).
// Markup: a container with data-clamp ("phone": only below the tablet breakpoint; "always": at
// every width) holding the texts to cut, each an element with class app-clamp and an id. The cut
// is made by app.css once this file marks the container data-clamped, so without JavaScript every
// text shows in full. Only what is really cut gets the button: measured after the cut, again when
// the screen turns or is resized, and after htmx swaps part of the page.
(() => {
  "use strict";

  const PHONE = window.matchMedia("(max-width: 40.0525em)");

  function clamp() {
    document.querySelectorAll("[data-clamp]").forEach((container) => {
      container.setAttribute("data-clamped", "");
      const cuts = container.getAttribute("data-clamp") !== "phone" || PHONE.matches;
      container.querySelectorAll(".app-clamp[id]").forEach((text) => {
        let button = text.parentElement.querySelector(`[aria-controls="${text.id}"]`);
        if (!button) {
          button = document.createElement("button");
          button.type = "button";
          button.className = "app-link-button app-clamp-more";
          button.setAttribute("aria-controls", text.id);
          button.setAttribute("aria-expanded", "false");
          button.innerHTML = 'Show all<span class="govuk-visually-hidden"> of what they did</span>';
          text.after(button);
        }
        const open = text.classList.contains("app-clamp--open");
        button.hidden = !cuts || (!open && text.scrollHeight <= text.clientHeight + 1);
      });
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".app-clamp-more");
    if (!button) {
      return;
    }
    const text = document.getElementById(button.getAttribute("aria-controls"));
    const open = text.classList.toggle("app-clamp--open");
    button.setAttribute("aria-expanded", String(open));
    button.firstChild.textContent = open ? "Show less" : "Show all";
    if (!open) {
      clamp();
    }
  });
  PHONE.addEventListener("change", clamp);
  window.addEventListener("resize", clamp);
  document.addEventListener("htmx:afterSettle", clamp);
  clamp();
})();
