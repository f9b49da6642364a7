// "Copy link" buttons: an enhancement of a readonly field anyone can select and copy by hand.
//
// Markup: <button type="button" data-copy-from="FIELD-ID" data-copy-status="STATUS-ID" hidden>,
// and a status element with aria-live="polite". The button stays hidden unless this browser can
// write to the clipboard (it needs a secure page); a press copies the field's value and says
// "Copied" in the status, which screen readers announce. A failure says how to copy it by hand.
for (const button of document.querySelectorAll("[data-copy-from]")) {
  const field = document.getElementById(button.dataset.copyFrom);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!field || !status || !navigator.clipboard || !window.isSecureContext) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    status.textContent = "";
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied";
    } catch {
      field.select();
      status.textContent = "Could not copy the link: it is selected, so copy it with your keyboard or menu";
    }
  });
}
