"""``gettext`` that also works outside a request (the CLI), where the locale selector of
``create_app`` cannot read Accept-Language: the Ukrainian source string is used as it is."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **variables: object) -> str:
    """Return the translated message in a request, else the Ukrainian source (formatted)."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message
