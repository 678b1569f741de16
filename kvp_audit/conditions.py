"""Conditions that decide when a criterion applies, checked safely (never with ``eval``).

A condition is a small expression over the checklist's facts::

    status == 'avsluttet'
    status in ['avsluttet', 'avbrutt'] and har_barn
    startdato >= '2019-01-01' and not under_25

Python's parser reads the text into a syntax tree; only names of facts, constants,
lists of constants, comparisons and ``and``/``or``/``not`` are allowed, and this module
walks the tree itself. Nothing is executed.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .i18n import _

# A condition is one line a person writes: these limits are far beyond any real one, and
# keep the parser and the evaluator (both recursive) well inside Python's stack.
MAX_LENGTH = 2000
MAX_DEPTH = 50

_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class ConditionError(ValueError):
    """A condition that cannot be read; the message says why, in the user's words."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


class Unknown(Exception):
    """A fact the condition needs is missing from the review."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, its tree and the facts it names."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, facts: dict[str, Any]) -> bool | None:
        """Return True/False, or None when a fact it needs was not recorded."""
        # Fast path for the common shapes ("fact", "fact == 'x'", "fact in [...]"),
        # compiled once; anything else walks the tree.
        fast = _FAST.get(self.text)
        if fast is None:
            fast = _FAST[self.text] = _fast_path(self.tree)
        if fast is not False:
            return fast(facts)
        try:
            return bool(_eval(self.tree, facts))
        except Unknown:
            return None


_FAST: dict[str, Any] = {}


def _fast_path(tree: ast.expr):
    """A closure for the simplest condition shapes, or False when there is none."""
    if isinstance(tree, ast.Name) and tree.id not in ("true", "false", "True", "False"):
        name = tree.id

        def truthy(facts: dict[str, Any]) -> bool | None:
            value = facts.get(name)
            return None if value is None else bool(value)

        return truthy
    if (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.left, ast.Name)
            and type(tree.ops[0]) in (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
        name = tree.left.id
        right = tree.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, str) and type(tree.ops[0]) in (ast.Eq, ast.NotEq):
            wanted, equal = right.value, isinstance(tree.ops[0], ast.Eq)

            def compare(facts: dict[str, Any]) -> bool | None:
                value = facts.get(name)
                if value is None:
                    return None
                return (value == wanted) is equal

            return compare
        if (isinstance(right, (ast.List, ast.Tuple)) and type(tree.ops[0]) in (ast.In, ast.NotIn)
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts)):
            options = frozenset(e.value for e in right.elts)  # type: ignore[attr-defined]
            inside = isinstance(tree.ops[0], ast.In)

            def member(facts: dict[str, Any]) -> bool | None:
                value = facts.get(name)
                if value is None:
                    return None
                return (value in options) is inside

            return member
    return False


@lru_cache(maxsize=4096)
def parse(text: str) -> Condition:
    """Parse a condition, or raise :class:`ConditionError` saying what is wrong."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(_("betingelsen er lengre enn {limit} tegn").format(limit=MAX_LENGTH))
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(_("betingelsen kan ikke leses ({error})").format(error=exc.msg), column=exc.offset) from None
    except (RecursionError, MemoryError):
        raise ConditionError(_too_deep()) from None
    if _depth(tree) > MAX_DEPTH:
        raise ConditionError(_too_deep())
    names: set[str] = set()
    _check(tree, names)
    return Condition(text=text, tree=tree, names=frozenset(names))


def _too_deep() -> str:
    return _("betingelsen har mer enn {limit} nivåer inne i hverandre (not, and/or, parenteser)").format(limit=MAX_DEPTH)


def _depth(tree: ast.AST) -> int:
    """How deep the tree goes, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, names)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ConditionError(
                    _("bare ==, !=, <, <=, >, >=, in og not in kan brukes i sammenligninger"),
                    column=node.col_offset + 1,
                )
        _check(node.left, names)
        for comparator in node.comparators:
            _check(comparator, names)
    elif isinstance(node, ast.Name):
        if node.id in ("true", "false", "True", "False"):
            return
        names.add(node.id)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (str, int, float, bool)) or node.value is None:
            raise ConditionError(_("bare tekst, tall, true og false kan brukes som verdier"))
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ConditionError(_("en liste kan bare holde verdier, for eksempel ['avsluttet', 'avbrutt']"))
            _check(element, names)
    else:
        raise ConditionError(
            _("bare fakta-navn, verdier, lister, sammenligninger og and/or/not er tillatt"),
            column=getattr(node, "col_offset", 0) + 1,
        )


# --------------------------------------------------------------------------- types


# The kind of value each fact type holds, as the evaluator sees it.
_FACT_KINDS = {"bool": "bool", "date": "date", "number": "number", "choice": "text", "text": "text"}


@dataclass(frozen=True)
class _Operand:
    kind: str | None      # bool, date, number, text, list; None when not known (an unknown fact)
    shown: str            # how the message names it
    value: Any = None     # a constant's value
    fact: bool = False
    elements: tuple = ()  # a list's operands


def _kind_word(kind: str) -> str:
    return {"bool": _("true/false"), "date": _("en dato"), "number": _("et tall"), "text": _("tekst"),
            "list": _("en liste")}[kind]


def _operand(node: ast.AST, fact_types: dict[str, str]) -> _Operand:
    if isinstance(node, ast.Name):
        if node.id in ("true", "false", "True", "False"):
            return _Operand("bool", node.id, node.id in ("true", "True"))
        kind = _FACT_KINDS.get(str(fact_types.get(node.id)))
        return _Operand(kind, f"'{node.id}' ({_kind_word(kind)})" if kind else f"'{node.id}'", fact=True)
    if isinstance(node, ast.Constant):
        value = node.value
        kind = "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "text"
        return _Operand(kind, repr(value) if isinstance(value, str) else str(value), value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return _Operand("list", ast.unparse(node), elements=tuple(_operand(e, fact_types) for e in node.elts))
    return _Operand("bool", ast.unparse(node))  # a comparison or and/or/not inside parentheses


def type_problems(condition: Condition, fact_types: dict[str, str]) -> list[str]:
    """What evaluating the condition would fail on, or compare in vain, given the facts' types.

    ``fact_types`` maps fact names to their checklist type (bool, date, number, choice,
    text). A condition without problems here evaluates on any facts of those types.
    """
    out: list[str] = []
    for node in ast.walk(condition.tree):
        if not isinstance(node, ast.Compare):
            continue
        left = _operand(node.left, fact_types)
        for op, comparator in zip(node.ops, node.comparators):
            right = _operand(comparator, fact_types)
            out += _pair_problems(left, op, right)
            left = right
    return list(dict.fromkeys(out))


def _pair_problems(left: _Operand, op: ast.cmpop, right: _Operand) -> list[str]:
    if isinstance(op, (ast.In, ast.NotIn)):
        if right.kind != "list":
            return [_("etter in og not in må det stå en liste, for eksempel ['avsluttet', 'avbrutt'], ikke {right}")
                    .format(right=right.shown)]
        if left.kind == "list":
            return [_("en liste kan bare stå etter in eller not in")]
        return [p for element in right.elements for p in _pair_problems(left, ast.Eq(), element)]
    if "list" in (left.kind, right.kind):
        return [_("en liste kan bare stå etter in eller not in")]
    if left.kind is None or right.kind is None or left.kind == right.kind:
        return []
    if {left.kind, right.kind} == {"date", "text"}:
        text = right if right.kind == "text" else left
        if not text.fact and _is_iso_date(text.value):
            return []
        if not text.fact:
            return [_("{value} er ikke en dato; skriv datoen som 'ÅÅÅÅ-MM-DD'").format(value=text.shown)]
    return [_("{left} kan ikke sammenlignes med {right}").format(left=left.shown, right=right.shown)]


def _is_iso_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _value(node: ast.AST, facts: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        value = facts.get(node.id)
        if value is None:
            raise Unknown(node.id)
        return value
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return _eval(node, facts)


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    """Let a date fact be compared with an ISO date written as text."""
    try:
        if isinstance(a, dt.date) and isinstance(b, str):
            return a, dt.date.fromisoformat(b)
        if isinstance(b, dt.date) and isinstance(a, str):
            return dt.date.fromisoformat(a), b
    except ValueError:
        raise ConditionError(_("{value} er ikke en dato; skriv datoen som 'ÅÅÅÅ-MM-DD'").format(
            value=repr(b if isinstance(a, dt.date) else a))) from None
    return a, b


def _eval(node: ast.AST, facts: dict[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        # Kleene logic: an unknown fact decides nothing unless the other side does.
        unknown: Unknown | None = None
        is_and = isinstance(node.op, ast.And)
        for value in node.values:
            try:
                result = bool(_eval(value, facts))
            except Unknown as exc:
                unknown = exc
                continue
            if is_and and not result:
                return False
            if not is_and and result:
                return True
        if unknown is not None:
            raise unknown
        return is_and
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, facts)
    if isinstance(node, ast.Compare):
        left = _value(node.left, facts)
        for op, comparator in zip(node.ops, node.comparators):
            right = _value(comparator, facts)
            if isinstance(right, list):
                right = [_coerce(left, r)[1] for r in right]
            else:
                left, right = _coerce(left, right)
            try:
                ok = _COMPARE[type(op)](left, right)
            except TypeError:
                raise ConditionError(_("{left} kan ikke sammenlignes med {right}").format(
                    left=repr(left), right=repr(right))) from None
            if not ok:
                return False
            left = right
        return True
    return _value(node, facts)
