// Starts GOV.UK Frontend, and starts it again on whatever htmx swaps in.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

initAll();

document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});
