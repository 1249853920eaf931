"""Characters that must not reach a document, and cells a spreadsheet must not take for formulas.

One place for both rules, used by every writer and every validation:

- **Control characters.** C0 controls other than tab, line feed and carriage return, DEL and the
  C1 controls (U+007F–U+009F), lone surrogates and the non-characters U+FFFE and U+FFFF. XML
  1.0 cannot hold most of them, so python-docx raises ``ValueError`` and openpyxl
  ``IllegalCharacterError`` on them, and a questionnaire version that has answers cannot be
  edited any more: one such character typed once would break ``report.docx`` and
  ``tables.xlsx`` for good. The rest (DEL, C1) are invisible and never meant. Forms and the
  questionnaire validation refuse them (:func:`control_character` finds one to name);
  respondents' answers and every writer of .docx and .xlsx strip them (:func:`printable`), so
  an old row that holds one still gives a document that opens.
- **Formula injection.** A spreadsheet opening a CSV takes a cell that starts with ``=``,
  ``+``, ``-``, ``@`` (or a tab or carriage return before one) for a formula.
  :func:`spreadsheet_safe` prefixes such a text with ``'``, which the spreadsheet shows as text
  (docs/exports.md); the XLSX writers store texts as texts instead (``app.exports.writers``).

No Flask here: the rules are plain functions over strings.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: What a spreadsheet takes for the start of a formula (docs/exports.md, «CSV: safe mode»).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def control_character(text: str) -> str | None:
    """Return the first control character in ``text`` (see the module doc), or None."""
    found = CONTROL_CHARACTERS.search(text)
    return found.group(0) if found else None


def code_point(char: str) -> str:
    """Return a character's name for a message: ``U+001B``."""
    return f"U+{ord(char):04X}"


def printable(text: str) -> str:
    """Return ``text`` without its control characters (the module doc says which)."""
    return CONTROL_CHARACTERS.sub("", text)


def printable_all(value: Any) -> Any:
    """Return ``value`` with every text in it (nested in dicts, lists, tuples) made
    :func:`printable`; other values are returned as they are."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(printable_all(item) for item in value)
    return value


def spreadsheet_safe(value: Any) -> Any:
    """Return a text that starts like a formula (:data:`FORMULA_STARTS`) with ``'`` before it,
    so a spreadsheet opening the CSV shows it as text; any other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
