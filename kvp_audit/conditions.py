"""Conditions that decide when a criterion applies, checked safely (never with ``eval``).

A condition is a small expression over the checklist's facts::

    status == 'avsluttet'
    status in ['avsluttet', 'avbrutt'] and har_barn
    startdato >= '2019-01-01' and not under_25
    months_between(startdato, review_date) >= varighet_mnd / 2

Python's parser reads the text into a syntax tree; only names of facts, constants,
lists of constants, comparisons, ``and``/``or``/``not``, arithmetic (``+ - * /``) and
the date functions in :data:`FUNCTIONS` are allowed, and this module walks the tree
itself. Nothing is executed. ``review_date`` is the date the case was reviewed.

A condition that cannot be decided on one review's facts (a fact is missing, a
divisor is zero) evaluates to None: the criterion counts as applicable, and
:meth:`Condition.explain` says why, so validation can warn.
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


class Undecided(Exception):
    """Why a condition cannot be decided on one review's facts (the message says it)."""


class Unknown(Undecided):
    """A fact the condition needs is missing from the review."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class Unevaluable(Undecided):
    """A value the condition cannot work with: a divisor that is zero, a value of the wrong type."""


# The review's own date, which every condition and computed fact may use.
REVIEW_DATE = "review_date"
# Date functions: name -> number of arguments (each a date).
FUNCTIONS = {"months_between": 2, "days_between": 2}
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, its tree and the facts it names."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, facts: dict[str, Any]) -> bool | None:
        """Return True/False, or None when it cannot be decided (a fact missing, a divisor zero)."""
        # Fast path for the common shapes ("fact", "fact == 'x'", "fact in [...]"),
        # compiled once; anything else walks the tree.
        fast = _FAST.get(self.text)
        if fast is None:
            fast = _FAST[self.text] = _fast_path(self.tree)
        if fast is not False:
            try:
                return fast(facts)
            except TypeError:  # an unhashable value tested with in: undecided, as the tree walk says
                return None
        return self.explain(facts)[0]

    def explain(self, facts: dict[str, Any]) -> tuple[bool | None, Undecided | None]:
        """The result, and when it is None, why (:class:`Unknown` names the missing fact)."""
        try:
            return bool(_eval(self.tree, facts)), None
        except Undecided as exc:
            return None, exc

    def value(self, facts: dict[str, Any]) -> Any:
        """The expression's value (a computed fact); raises :class:`Undecided` when there is none."""
        return _value(self.tree, facts)


_FAST: dict[str, Any] = {}


def _fast_path(tree: ast.expr):
    """A closure for the simplest condition shapes, or False when there is none."""
    if isinstance(tree, ast.Name) and tree.id not in ("true", "false", "True", "False", REVIEW_DATE):
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
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        _check(node.operand, names)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITHMETIC:
            raise ConditionError(_("bare +, -, * og / kan brukes til regning"), column=node.col_offset + 1)
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ConditionError(_("ukjent funksjon '{name}'; bare {known} kan brukes").format(
                name=name or ast.unparse(node.func), known=", ".join(FUNCTIONS)), column=node.col_offset + 1)
        if node.keywords or len(node.args) != FUNCTIONS[name]:
            raise ConditionError(_("{name}(a, b) tar to datoer, for eksempel {name}(startdato, review_date)").format(
                name=name), column=node.col_offset + 1)
        for arg in node.args:
            _check(arg, names)
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
        if node.id in ("true", "false", "True", "False", REVIEW_DATE):
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
            _("bare fakta-navn, verdier, lister, sammenligninger, and/or/not, + - * / og datofunksjoner er tillatt"),
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


def kind_word(kind: str) -> str:
    """The kind of a value in words: et tall, en dato, true/false."""
    return _kind_word(kind)


def _kind_word(kind: str) -> str:
    return {"bool": _("true/false"), "date": _("en dato"), "number": _("et tall"), "text": _("tekst"),
            "list": _("en liste")}[kind]


def _operand(node: ast.AST, fact_types: dict[str, str]) -> _Operand:
    if isinstance(node, ast.Name):
        if node.id in ("true", "false", "True", "False"):
            return _Operand("bool", node.id, node.id in ("true", "True"))
        if node.id == REVIEW_DATE:
            return _Operand("date", f"{REVIEW_DATE} ({_kind_word('date')})", fact=True)
        kind = _FACT_KINDS.get(str(fact_types.get(node.id)))
        return _Operand(kind, f"'{node.id}' ({_kind_word(kind)})" if kind else f"'{node.id}'", fact=True)
    if isinstance(node, ast.Constant):
        value = node.value
        kind = "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "text"
        return _Operand(kind, repr(value) if isinstance(value, str) else str(value), value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return _Operand("list", ast.unparse(node), elements=tuple(_operand(e, fact_types) for e in node.elts))
    if isinstance(node, (ast.BinOp, ast.Call)) or (isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)):
        return _Operand("number", ast.unparse(node), fact=True)
    return _Operand("bool", ast.unparse(node))  # a comparison or and/or/not inside parentheses


def kind_of(tree: ast.expr, fact_types: dict[str, str]) -> str | None:
    """What kind of value an expression gives (bool, date, number, text, list; None: not known)."""
    return _operand(tree, fact_types).kind


def type_problems(condition: Condition, fact_types: dict[str, str]) -> list[str]:
    """What evaluating the condition's comparisons would fail on, or compare in vain, given the facts' types.

    ``fact_types`` maps fact names to their checklist type (bool, date, number, choice,
    text). With no problems here and none from :func:`arithmetic_problems`, a condition
    evaluates on any facts of those types, undecided (None) only when a fact is missing
    or a divisor is zero.
    """
    out: list[str] = []
    for node in ast.walk(condition.tree):
        if isinstance(node, ast.Compare):
            left = _operand(node.left, fact_types)
            for op, comparator in zip(node.ops, node.comparators):
                right = _operand(comparator, fact_types)
                out += _pair_problems(left, op, right)
                left = right
    return list(dict.fromkeys(out))


def arithmetic_problems(condition: Condition, fact_types: dict[str, str], as_value: bool = False) -> list[tuple[str, str]]:
    """Arithmetic on what is not a number, date functions on what is not a date, a constant zero divisor,
    and a number where true or false is needed, each as (message, hint).

    With ``as_value`` the expression is a computed fact's, and may give a number or a date.
    """
    out: list[tuple[str, str]] = []
    for node in ast.walk(condition.tree):
        if isinstance(node, ast.BinOp) or (isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)):
            for side in (node.left, node.right) if isinstance(node, ast.BinOp) else (node.operand,):
                operand = _operand(side, fact_types)
                if operand.kind not in (None, "number"):
                    out.append((_("regning med + - * / går bare på tall, ikke på {operand}").format(operand=operand.shown),
                                _("regn med datoer gjennom months_between(a, b) eller days_between(a, b)")
                                if operand.kind == "date" else _("bruk et tall-fakta (type: number) eller et tall")))
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _constant_zero(node.right):
                out.append((_("deling på null: '{expression}' deler alltid på 0").format(expression=ast.unparse(node)),
                            _("del på et annet tall enn 0")))
        elif isinstance(node, ast.Call):
            for arg in node.args:
                operand = _operand(arg, fact_types)
                if operand.kind in (None, "date") or (operand.kind == "text" and not operand.fact and _is_iso_date(operand.value)):
                    continue
                out.append((_("{name}(a, b) regner med datoer, ikke med {operand}").format(
                    name=node.func.id, operand=operand.shown),  # type: ignore[attr-defined]
                    _("bruk et dato-fakta (type: date), review_date eller en dato som 'ÅÅÅÅ-MM-DD'")))
        elif isinstance(node, (ast.BoolOp, ast.UnaryOp)):
            for part in node.values if isinstance(node, ast.BoolOp) else [node.operand]:
                out += _truth_problems(part, fact_types)
    if not as_value:
        out += _truth_problems(condition.tree, fact_types)
    return list(dict.fromkeys(out))


def _truth_problems(node: ast.AST, fact_types: dict[str, str]) -> list[tuple[str, str]]:
    """A number or a date where a condition needs true or false."""
    operand = _operand(node, fact_types)
    if operand.kind in ("number", "date") and operand.fact:
        return [(_("{operand} er ikke sant eller usant").format(operand=ast.unparse(node)),
                 _("sammenlign det med noe, for eksempel {operand} > 6").format(operand=ast.unparse(node)))]
    return []


def _constant_zero(node: ast.AST) -> bool:
    """Whether an expression without facts always gives 0 (division by it always fails)."""
    if any(isinstance(n, ast.Name) for n in ast.walk(node)):
        return False
    try:
        return _value(node, {}) == 0
    except Undecided:
        return False


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


# --------------------------------------------------------------------------- evaluation


def with_review_date(facts: dict[str, Any], date: Any) -> dict[str, Any]:
    """The facts as conditions see them: with the review's date as ``review_date``."""
    if date is None:
        return facts
    return {**facts, REVIEW_DATE: date}


def compute_facts(specs: dict, facts: dict[str, Any], date: Any) -> dict[str, Undecided]:
    """Fill in the computed facts (``compute:``) in ``facts``; return why each one left out could not be.

    ``specs`` is the checklist's facts. A computed fact uses only facts that are recorded,
    and the review date, so the order does not matter. A value written for it is replaced.
    """
    seen = with_review_date(facts, date)
    why: dict[str, Undecided] = {}
    for name, spec in specs.items():
        if not spec.compute:
            continue
        facts.pop(name, None)
        try:
            value = parse(spec.compute).value(seen)
        except Undecided as exc:
            why[name] = exc
            continue
        except ConditionError as exc:  # refused by checklist validation; never here for a valid checklist
            why[name] = Unevaluable(str(exc))
            continue
        if spec.type == "bool":
            value = bool(value)
        elif spec.type == "number" and isinstance(value, float) and value.is_integer():
            value = int(value)
        facts[name] = value
    return why


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a`` to ``b`` (negative when ``b`` is earlier): 15 Jan to 14 Mar is 1."""
    if b < a:
        return -months_between(b, a)
    months = (b.year - a.year) * 12 + b.month - a.month
    return months - 1 if b.day < a.day else months


def _as_date(value: Any, shown: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Unevaluable(_("{value} er ikke en dato").format(value=shown))


def _as_number(value: Any, shown: str) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise Unevaluable(_("{value} er ikke et tall").format(value=shown))


def _shown(node: ast.AST, value: Any) -> str:
    return f"{ast.unparse(node)} = {value!r}" if isinstance(node, ast.Name) else repr(value)


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
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, facts), _value(node.right, facts)
        a, b = _as_number(left, _shown(node.left, left)), _as_number(right, _shown(node.right, right))
        if isinstance(node.op, ast.Div) and b == 0:
            raise Unevaluable(_("deling på null: {divisor} er 0").format(divisor=ast.unparse(node.right)))
        try:
            return _ARITHMETIC[type(node.op)](a, b)
        except OverflowError:
            raise Unevaluable(_("tallet blir for stort: {expression}").format(expression=ast.unparse(node))) from None
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
        value = _value(node.operand, facts)
        number = _as_number(value, _shown(node.operand, value))
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.Call):
        args = [_value(arg, facts) for arg in node.args]
        a, b = (_as_date(v, _shown(n, v)) for v, n in zip(args, node.args))
        return months_between(a, b) if node.func.id == "months_between" else (b - a).days  # type: ignore[attr-defined]
    return _eval(node, facts)


def _coerce(a: Any, b: Any) -> tuple[Any, Any]:
    """Let a date fact be compared with an ISO date written as text."""
    try:
        if isinstance(a, dt.date) and isinstance(b, str):
            return a, dt.date.fromisoformat(b)
        if isinstance(b, dt.date) and isinstance(a, str):
            return dt.date.fromisoformat(a), b
    except ValueError:
        raise Unevaluable(_("{value} er ikke en dato; skriv datoen som 'ÅÅÅÅ-MM-DD'").format(
            value=repr(b if isinstance(a, dt.date) else a))) from None
    return a, b


def _eval(node: ast.AST, facts: dict[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        # Kleene logic: an undecided part decides nothing unless the other side does.
        undecided: Undecided | None = None
        is_and = isinstance(node.op, ast.And)
        for value in node.values:
            try:
                result = bool(_eval(value, facts))
            except Undecided as exc:
                undecided = undecided or exc
                continue
            if is_and and not result:
                return False
            if not is_and and result:
                return True
        if undecided is not None:
            raise undecided
        return is_and
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
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
                raise Unevaluable(_("{left} kan ikke sammenlignes med {right}").format(
                    left=repr(left), right=repr(right))) from None
            if not ok:
                return False
            left = right
        return True
    return _value(node, facts)
