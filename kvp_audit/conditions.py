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
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(
            f"betingelsen kan ikke leses ({exc.msg})", column=exc.offset
        ) from None
    names: set[str] = set()
    _check(tree, names)
    return Condition(text=text, tree=tree, names=frozenset(names))


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
                    "bare ==, !=, <, <=, >, >=, in og not in kan brukes i sammenligninger",
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
            raise ConditionError("bare tekst, tall, true og false kan brukes som verdier")
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ConditionError("en liste kan bare holde verdier, for eksempel ['avsluttet', 'avbrutt']")
            _check(element, names)
    else:
        raise ConditionError(
            "bare fakta-navn, verdier, lister, sammenligninger og and/or/not er tillatt",
            column=getattr(node, "col_offset", 0) + 1,
        )


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
    if isinstance(a, dt.date) and isinstance(b, str):
        return a, dt.date.fromisoformat(b)
    if isinstance(b, dt.date) and isinstance(a, str):
        return dt.date.fromisoformat(a), b
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
                raise ConditionError(
                    f"kan ikke sammenligne {type(left).__name__} med {type(right).__name__}"
                ) from None
            if not ok:
                return False
            left = right
        return True
    return _value(node, facts)
