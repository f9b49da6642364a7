"""The evidence upload field, shared by the log entry form and the evidence forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from werkzeug.datastructures import FileStorage
from wtforms import MultipleFileField, SubmitField
from wtforms.validators import StopValidation

from ..forms import AppForm
from ..services import evidence

# What the file chooser offers first (phones offer the camera and photos for image/*); anything
# else can still be chosen, and what counts is the content, checked on the server.
ACCEPT = ("application/pdf,image/*,text/plain,.pdf,.jpg,.jpeg,.png,.gif,.webp,.txt,.csv,.rtf,.doc,.docx,.xls,"
          ".xlsx,.ppt,.pptx,.odt,.ods,.odp")


class EvidenceField(MultipleFileField):
    """Files to attach (none is fine). Its form names the record through `evidence_owner()`:
    (apprentice id, files already on the record). Checking reads every file: the errors, one for
    each problem, show next to the field; what passes is in `prepared`, ready for evidence.attach."""

    def __init__(self, label: str = "Attach evidence (optional)", **kwargs):
        super().__init__(label, **kwargs)
        self.prepared: list[evidence.Prepared] = []

    def process_formdata(self, valuelist):
        # Only real files: a browser sends an empty part, with no name, for a chooser left empty,
        # and anything posted as text under this name is not a file.
        self.data = [v for v in valuelist if isinstance(v, FileStorage) and (v.filename or v.content_length)]

    def uploads(self, limit: int) -> list[evidence.Upload]:
        return [evidence.Upload(f.filename or "", f.stream.read(limit + 1)) for f in self.data or []]

    def pre_validate(self, form) -> None:
        self.prepared = []
        if not self.data:
            return
        apprentice_id, on_record = form.evidence_owner()
        limits = evidence.Limits.from_config()
        if len(self.data) > limits.at_once:  # before reading any of them
            raise StopValidation(f"Select up to {limits.at_once} files at a time")
        try:
            self.prepared = evidence.prepare(self.uploads(limits.file_bytes), apprentice_id, on_record, limits)
        except evidence.EvidenceProblem as problem:
            self.errors.extend(problem.messages)
            raise StopValidation() from None

    def _value(self):
        return False

    def ask_again_if_refused(self, valid: bool) -> bool:
        """After the whole form is checked: a browser cannot keep chosen files through a page
        with errors, so when something else is wrong, say so by the field (the files were fine)."""
        if not valid and self.data and not self.errors:
            self.errors = [*self.errors, "Select your files again: files are not kept while something else on "
                                         "the form needs changing"]
        return valid


class EvidenceUploadForm(AppForm):
    """Attach files to a record on its own (an entry's evidence page, a review)."""

    evidence = EvidenceField("Upload files")
    submit = SubmitField("Upload", widget=GovSubmitInput())

    def __init__(self, apprentice_id: int, on_record: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owner = (apprentice_id, on_record)

    def evidence_owner(self) -> tuple[int, int]:
        return self._owner

    def validate_evidence(self, field) -> None:
        if not field.data and not field.errors:
            raise StopValidation("Select a file to upload")
