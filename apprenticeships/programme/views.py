"""Training providers and apprenticeship standards: list, add, edit."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..models import ApprenticeshipStandard, ProgrammeSettings, Role, TrainingProvider
from ..permissions import roles
from ..services import audit, catalogue
from ..versioning import conflict_shown_on
from . import bp
from .forms import ProviderForm, SettingsForm, StandardForm


@bp.get("/providers")
@roles(Role.COORDINATOR)
def providers():
    """Training providers, with how many current apprentices each trains."""
    return render_template("programme/providers.html", providers=catalogue.providers_with_counts())


@bp.route("/providers/new", methods=["GET", "POST"], defaults={"provider_id": None})
@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def provider_form(provider_id: int | None):
    """Add or edit a training provider."""
    provider = db.get_or_404(TrainingProvider, provider_id) if provider_id else TrainingProvider()
    form = ProviderForm(obj=provider, provider_id=provider_id)
    if form.validate_on_submit():
        catalogue.save_provider(current_user, provider, form.values())
        flash(f"{provider.name} saved.", "success")
        return redirect(url_for("programme.providers"), code=303)
    return render_template("form_page.html", form=form, back=url_for("programme.providers"),
                           title=f"Edit {provider.name}" if provider_id else "Add a training provider")


@bp.get("/standards")
@roles(Role.COORDINATOR)
def standards():
    """Apprenticeship standards, with their off-the-job minimums and KSBs."""
    return render_template("programme/standards.html", standards=catalogue.standards_with_counts())


@bp.route("/standards/new", methods=["GET", "POST"], defaults={"standard_id": None})
@bp.route("/standards/<int:standard_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def standard_form(standard_id: int | None):
    """Add or edit a standard and its KSBs."""
    standard = db.get_or_404(ApprenticeshipStandard, standard_id) if standard_id else None
    form = StandardForm(standard=standard)
    if form.validate_on_submit():
        standard = standard or ApprenticeshipStandard()
        catalogue.save_standard(current_user, standard, form.values(), form.parsed_ksbs)
        flash(f"{standard.display_name} saved.", "success")
        return redirect(url_for("programme.standards"), code=303)
    return render_template(
        "form_page.html", form=form, back=url_for("programme.standards"),
        title=f"Edit {standard.display_name}" if standard else "Add an apprenticeship standard",
        field_params={"ksbs": {"params": {"rows": 12}}, "reference": {"params": {"classes": "govuk-input--width-10"}},
                      "otj_minimum_hours": {"params": {"classes": "govuk-input--width-5", "inputmode": "numeric"}},
                      "typical_duration_months": {"params": {"classes": "govuk-input--width-3",
                                                             "inputmode": "numeric"}}})


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def settings():
    """Programme settings: how often reviews happen, who signs them, and the smallest number a summary shows."""
    current = ProgrammeSettings.current()
    form = SettingsForm(data={
        "review_interval": f"{current.review_interval_value}-{current.review_interval_unit.value}",
        "mentors_sign_reviews": "yes" if current.mentors_sign_reviews else "no",
        "disclosure_threshold": current.disclosure_threshold, "retention_years": current.retention_years,
        "audit_retention_years": current.audit_retention_years, "version": current.version,
        "round_to_five": "yes" if current.round_to_five else "no", "la_name": current.la_name,
        "old_la_code": current.old_la_code, "new_la_code": current.new_la_code})
    if form.validate_on_submit():
        with conflict_shown_on(form, current, "programme's settings"):
            audit.save(current_user, current, form.values(), "settings", version=form.seen_version())
            flash("Settings saved. Review due dates and at-risk checks now use them.", "success")
            return redirect(url_for("programme.settings"), code=303)
    narrow = {"params": {"classes": "govuk-input--width-3", "inputmode": "numeric"}}
    return render_template("programme/settings.html", form=form, title="Programme settings", back=url_for("home.index"),
                           field_params={"disclosure_threshold": narrow, "retention_years": narrow,
                                         "audit_retention_years": narrow,
                                         "mentors_sign_reviews": {"params": {"classes": "govuk-radios--inline"}},
                                         "round_to_five": {"params": {"classes": "govuk-radios--inline"}},
                                         "old_la_code": {"params": {"classes": "govuk-input--width-3",
                                                                    "inputmode": "numeric"}},
                                         "new_la_code": {"params": {"classes": "govuk-input--width-10",
                                                                    "spellcheck": False}}})
