"""WTForms of the import pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3 has it, types-WTForms 3.2 not yet
from wtforms.validators import DataRequired

from app.models import Campaign
from app.staff.forms import ROLE_LABELS


class UploadForm(FlaskForm):
    """The role whose answers the file holds, and the file."""

    role = SelectField(_l("Чиї відповіді"), validators=[DataRequired()], validate_choice=True)
    file = FileField(_l("Файл CSV (експорт Google Forms або стовпці з id запитань)"),
                     validators=[FileRequired()])  # fmt: skip

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> UploadForm:
        """Return the form with the campaign's roles to choose from."""
        form = cls()
        form.role.choices = [
            SelectChoice(link.role, str(ROLE_LABELS[link.role])) for link in campaign.links
        ]
        return form


class ConfirmForm(FlaskForm):
    """CSRF for the confirmation step (its fields are built from the file's columns)."""
