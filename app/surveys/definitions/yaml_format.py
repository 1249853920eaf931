"""Reading questionnaire YAML with the line number of every node, for ``file:line`` errors.

The loader is PyYAML's safe loader (on libyaml's parser when available) with three changes:

- every mapping becomes a :class:`MarkedDict` and every sequence a :class:`MarkedList` that
  remember the line of the node and of each key / item (1-based);
- only ``true``/``false`` are booleans (YAML 1.2), so option ids such as ``yes``, ``no``, ``on``
  stay strings, as a questionnaire author expects;
- anchors and aliases (``&name``, ``*name``) are refused: never needed in a questionnaire, they
  would let a small file expand into a huge structure. Duplicate keys in a mapping are reported
  (``duplicate_keys``), not silently overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from app.text_safety import CONTROL_CHARACTERS, code_point

MAX_FILE_BYTES = 1024 * 1024

_BOOL_TAG = "tag:yaml.org,2002:bool"


class MarkedDict(dict):
    """A mapping that knows its own line and the line of each of its keys."""

    line: int = 1
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int]]

    def line_of(self, key: Any) -> int:
        """Return the line of ``key`` in this mapping, or the mapping's own line."""
        return self.key_lines.get(key, self.line)


class MarkedList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """Return the line of item ``index``, or the sequence's own line."""
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlProblem(Exception):
    """A file that cannot be read as YAML: ``line`` and ``message`` (Ukrainian)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _AliasRefused(yaml.MarkedYAMLError):
    pass


# libyaml's parser when PyYAML was built with it (ten times faster); the resolvers and the
# constructors below are Python in both cases.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_document(self, node: Any) -> Any:
        _refuse_aliases(node)
        return super().construct_document(node)


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise if a node occurs twice in the tree: that is what an alias (``*name``) composes to."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasRefused(None, None, "alias", node.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


_LineLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, list | dict):
            raise YamlProblem(line, _("ключ має бути простим значенням"))
        if key in result:
            result.duplicate_keys.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> MarkedList:
    result = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def read_marked_yaml(path: Path) -> Any:
    """Return the YAML document in ``path`` with line numbers attached (see module doc).

    Raises :class:`YamlProblem` for a file that is too large (over 1 MB), not UTF-8, not valid
    YAML, empty, or that uses aliases; ``OSError`` if it cannot be read.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(
            1,
            _(
                "файл завеликий (%(value)s КБ); найбільший допустимий розмір — 1 МБ",
                value=size // 1024,
            ),
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlProblem(line, _("файл не в кодуванні UTF-8")) from None
    return parse_marked_yaml(text)


def parse_marked_yaml(text: str) -> Any:
    """Return the YAML document in ``text`` with line numbers attached.

    Raises :class:`YamlProblem` for invalid or empty YAML, for aliases, and for a control
    character in the text (its line and code point, in Ukrainian; PyYAML's own message for it
    is English and has no line).
    """
    if (found := CONTROL_CHARACTERS.search(text)) is not None:
        raise YamlProblem(
            text.count("\n", 0, found.start()) + 1,
            _(
                "недопустимий керівний символ %(code_point)s (невидимий, найчастіше з "
                "копіювання): видаліть його",
                code_point=code_point(found.group()),
            ),
        )
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except _AliasRefused as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise YamlProblem(
            line, _("якорі й посилання YAML (&name, *name) не підтримуються")
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or error.context or _("невідома помилка")
        raise YamlProblem(
            line, _("помилка синтаксису YAML: %(problem)s", problem=problem)
        ) from None
    except yaml.YAMLError as error:
        raise YamlProblem(1, _("помилка синтаксису YAML: %(error)s", error=error)) from None
    if data is None:
        raise YamlProblem(1, _("файл порожній"))
    return data


def plain(value: Any) -> Any:
    """Return ``value`` with marked containers turned into plain dicts and lists (for JSON)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
