// Upload progress for evidence files: an enhancement of a plain multipart form.
//
// Markup (templates/evidence/_macros.html): inside a form that htmx posts, an element with
// data-evidence-progress (hidden) holding a <progress> and a span data-evidence-percent. While
// htmx sends a form with files chosen, its upload progress (htmx:xhr:progress) fills the bar and
// says the percentage; the bar hides again when the answer arrives. Without JavaScript, or
// without htmx, the form posts as it is and the browser shows its own progress.
if (!window.appEvidenceProgress) {
  window.appEvidenceProgress = true;

  const progressOf = (event) => {
    const form = event.detail && event.detail.elt && event.detail.elt.closest("form");
    if (!form) {
      return null;
    }
    const chosen = [...form.querySelectorAll("input[type=file]")].some((input) => input.files && input.files.length);
    return chosen ? form.querySelector("[data-evidence-progress]") : null;
  };

  // htmx reports the upload's progress and then the answer's download under the same event name:
  // only the first run up to 100% is the upload's.
  const sending = new WeakSet();
  document.body.addEventListener("htmx:beforeSend", (event) => {
    const box = progressOf(event);
    if (box) {
      sending.add(box);
    }
  });

  document.body.addEventListener("htmx:xhr:progress", (event) => {
    const box = progressOf(event);
    if (!box || !sending.has(box) || !event.detail.lengthComputable || !event.detail.total) {
      return;
    }
    const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    if (percent >= 100) {
      sending.delete(box);
    }
    box.hidden = false;
    box.querySelector("progress").value = percent;
    box.querySelector("[data-evidence-percent]").textContent = `: ${percent}%`;
  });

  document.body.addEventListener("htmx:afterRequest", (event) => {
    const box = progressOf(event);
    if (box) {
      box.hidden = true;
    }
  });
}
