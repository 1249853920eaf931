"""What staff forms share: text fields refuse control characters (``app.text_safety``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.text_safety import code_point, control_character

TEXT_FIELD_TYPES = ("StringField", "TextAreaField")


class PrintableTextForm(FlaskForm):
    """A form whose text fields (``StringField``, ``TextAreaField``) refuse control characters.

    A character such as U+001B pasted into a questionnaire or a довідка text would break the
    Word and Excel files for good (docs/exports.md); the field gets a message naming it.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        """Run the fields' validators, then refuse control characters; return True if valid."""
        valid = super().validate(extra_validators)
        for field in self:
            if field.type not in TEXT_FIELD_TYPES or not isinstance(field.data, str):
                continue
            char = control_character(field.data)
            if char is not None:
                field.errors = [
                    *field.errors,
                    _(
                        "Текст містить недопустимий керівний символ %(char)s (невидимий, "
                        "найчастіше з копіювання): видаліть його.",
                        char=code_point(char),
                    ),
                ]
                valid = False
        return valid
