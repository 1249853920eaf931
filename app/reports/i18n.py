"""``gettext`` that also works outside a request (CLI commands).

Outside a request the source (Ukrainian) text is the right answer. The довідка itself is not
translated: it is an official Ukrainian document whatever the browser's language.
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
