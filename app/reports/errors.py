"""The one error the report code raises."""

from __future__ import annotations

from app.errors import AnketaError


class ReportError(AnketaError):
    """The довідка cannot be built, or the working group's texts are invalid.

    The message is in Ukrainian and can be shown to the user as it is.
    """
