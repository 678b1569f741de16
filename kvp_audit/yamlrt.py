"""Round-trip YAML: change a few values of a file and keep its comments, key order and quoting.

:mod:`kvp_audit.yamlio` reads every file the tool acts on (yaml-rs); this module is for
the one place that writes into a file a person also edits by hand, the web form. It uses
ruamel.yaml's round trip. The text it loads has been read with :func:`yamlio.read_text`
and passes the same pre-parse limits as every other file (see :func:`load_document`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Problem, display_path
from .i18n import _
from .yamlio import YamlFileError


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long comment over several lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _refuse_unsafe_text(text: str, path: Path | None) -> None:
    """The round-trip loader's one gate: the limits yamlio puts on any text before it parses
    (nesting depth, line length, control characters), so the form refuses what the CLI refuses."""
    yamlio.check_text(text, path)


def load_document(text: str, path: Path | None = None):
    """Parse a review file for a round trip (comments and key order kept).

    Raises :class:`YamlFileError` when the text is not one YAML mapping ruamel can read.
    """
    from ruamel.yaml.error import YAMLError

    _refuse_unsafe_text(text, path)
    try:
        doc = _yaml().load(text)
    except (YAMLError, RecursionError) as exc:
        raise YamlFileError(_unreadable(path, getattr(exc, "problem_mark", None))) from None
    if doc is None:
        from ruamel.yaml.comments import CommentedMap

        doc = CommentedMap()
    if not hasattr(doc, "insert"):
        raise YamlFileError(_unreadable(path, None))
    return doc


def _unreadable(path: Path | None, mark) -> Problem:
    line = mark.line + 1 if mark is not None and getattr(mark, "line", None) is not None else None
    return Problem(display_path(path) if path is not None else "", line,
                   message=_("filen kan ikke leses som YAML; rett den i en editor først"))


def dump_document(doc) -> str:
    """The text of a round-trip document."""
    buffer = io.StringIO()
    _yaml().dump(doc, buffer)
    return buffer.getvalue()


def text_scalar(text: Any):
    """A text as it is written: a literal block for several lines, quoted when YAML would read it as something else."""
    if not isinstance(text, str):
        return text
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    if "\n" in text:
        return LiteralScalarString(text)
    if text and _plain_is_not_text(text):
        return SingleQuotedScalarString(text)
    return text


def _plain_is_not_text(text: str) -> bool:
    """Whether ``text`` written unquoted would be read back as something else (a date, a number...)."""
    try:
        return yamlio.loads(f"v: {text}\n") != {"v": text}
    except Exception:
        return True


def put(mapping, key: str, value: Any, after: tuple[str, ...] = ()) -> None:
    """Set a key, keeping its place and comments; a new key goes after the first of ``after`` found."""
    if key in mapping:
        # An unchanged value keeps its original form (quotes, literal block).
        if not _same(mapping[key], value):
            mapping[key] = value
        return
    position = len(mapping)
    for name in after:
        if name in mapping:
            position = list(mapping).index(name) + 1
            break
    mapping.insert(position, key, value)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind (1 is not true, '1' is not 1)."""
    if isinstance(a, bool) != isinstance(b, bool) or isinstance(a, str) != isinstance(b, str):
        return False
    if hasattr(a, "items") or hasattr(b, "items") or isinstance(a, list) or isinstance(b, list):
        return False
    return a == b


def put_list(mapping, key: str, items: list, after: tuple[str, ...] = ()) -> None:
    """Set a list, keeping a block list a block list; a new or flow list is written ``[a, b]``."""
    from ruamel.yaml.comments import CommentedSeq

    current = mapping.get(key)
    if isinstance(current, CommentedSeq):
        block = current.fa.flow_style() is False and len(current) > 0
        del current[:]
        current.extend(items)
        if not block:
            current.fa.set_flow_style()
        return
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    put(mapping, key, seq, after)


def child_map(mapping, key: str, after: tuple[str, ...]):
    """The mapping under ``key``, made (after the first of ``after``) when it is missing."""
    from ruamel.yaml.comments import CommentedMap

    current = mapping.get(key)
    if isinstance(current, CommentedMap):
        if current.fa.flow_style() and not len(current):
            current.fa.set_block_style()
        return current
    child = CommentedMap()
    put(mapping, key, child, after)
    return child


def new_map():
    """An empty round-trip mapping (an entry the form adds)."""
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def is_map(value: Any) -> bool:
    """Whether ``value`` is a mapping of a round-trip document."""
    from ruamel.yaml.comments import CommentedMap

    return isinstance(value, CommentedMap)
