"""``gettext`` that also works outside a request (CLI commands, ``anketa demo``).

The app's locale selector reads ``request.accept_languages``, which fails without a request
context; outside a request the source (Ukrainian) text is the right answer anyway.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **variables: Any) -> str:
    """Return the translated message in a request, else the Ukrainian source, formatted."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message
