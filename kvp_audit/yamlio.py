"""Reading YAML fast, placing errors exactly, and writing files atomically.

One parser reads every file the tool acts on: yaml-rs (YAML 1.2: ``no`` stays text,
duplicate keys are refused). It is several times faster than PyYAML but does not keep
the position of each value, so when a file has a problem, PyYAML's composer (which keeps
line and column marks) is run on that file only to *place* the message. PyYAML never
supplies data.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .errors import Problem, display_path
from .i18n import _

MAX_FILE_BYTES = 5 * 1024 * 1024

_POS = re.compile(r"line (\d+), column (\d+)")


class YamlFileError(Exception):
    """A file that could not be read as one YAML mapping; carries the problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing files too large to be audit data."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlFileError(Problem(display_path(path), message=_("filen kan ikke leses ({error})").format(error=exc.strerror))) from None
    if size > MAX_FILE_BYTES:
        raise YamlFileError(
            Problem(
                display_path(path),
                line=1,
                message=_("filen er {size:.1f} MB, mer enn grensen på {limit} MB for en YAML-fil").format(
                    size=size / 1024 / 1024, limit=MAX_FILE_BYTES // 1024 // 1024
                ),
                hint=_("sjekk at det er riktig fil; en saksvurdering er vanligvis under 20 kB"),
            )
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise YamlFileError(
            Problem(
                display_path(path),
                line=line,
                message=_("filen er ikke UTF-8-tekst"),
                hint=_("lagre filen som UTF-8 i editoren"),
            )
        ) from None


def loads(text: str) -> Any:
    """Parse YAML text with the tool's one set of rules (yaml-rs, YAML 1.2).

    Dates are left as text: yaml-rs would read even a quoted '2026-01-01' as a date, so a
    comment that happens to be a date could not be saved as text. Fields that hold dates
    are converted where the models and the checklist say so (pydantic, facts and answers).
    """
    import yaml_rs

    return yaml_rs.loads(text, parse_datetime=False)


def parse_mapping(text: str, path: Path) -> dict[str, Any]:
    """Parse ``text`` as one YAML mapping with yaml-rs, or raise :class:`YamlFileError`."""
    import yaml_rs

    try:
        data = loads(text)
    except yaml_rs.YAMLDecodeError as exc:
        raise YamlFileError(_syntax_problem(str(exc), text, display_path(path))) from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date such as 2026-02-30
        raise YamlFileError(_value_problem(str(exc), text, display_path(path))) from None
    if data is None:
        raise YamlFileError(
            Problem(display_path(path), line=1, column=1, message=_("filen er tom"),
                    hint=_("fyll inn filen, eller lag en ny med 'kvp-audit new'"))
        )
    if isinstance(data, list) and len(re.findall(r"(?m)^---(?:\s|$)", text)) > (
            1 if text.lstrip("\ufeff").startswith("---") else 0):
        raise YamlFileError(
            Problem(display_path(path), line=1, column=1, message=_("filen har flere YAML-dokumenter (---)"),
                    hint=_("hold ett dokument per fil"))
        )
    if not isinstance(data, dict):
        kind = _("en liste") if isinstance(data, list) else _("en enkelt verdi")
        raise YamlFileError(
            Problem(
                display_path(path), line=1, column=1,
                message=_("filen holder {kind}, men skal holde nøkler og verdier (en mapping)").format(kind=kind),
                hint=_("start filen med nøkler som 'id:' eller 'case:', ikke med '- '"),
            )
        )
    for key in data:
        if not isinstance(key, str):
            raise YamlFileError(
                Problem(display_path(path), line=1, column=1, key=str(key),
                        message=_("nøkkelen må være tekst"),
                        hint=_("sett nøkkelen i anførselstegn"))
            )
    return data


def load_mapping(path: Path) -> tuple[dict[str, Any], str]:
    """Read and parse a YAML file; return the mapping and the text (for placing errors)."""
    text = read_text(path)
    return parse_mapping(text, path), text


def _syntax_problem(message: str, text: str, shown: str) -> Problem:
    first = message.strip().splitlines()
    last = first[-1].strip() if first else message
    match = _POS.search(message)
    if message.startswith("duplicate mapping key"):
        key = message.split(":", 1)[1].strip().strip("'\"")
        line, column = _find_duplicate(text, key)
        return Problem(
            shown, line, column, key=key,
            message=_("nøkkelen '{key}' står to ganger i samme mapping").format(key=key),
            hint=_("slett eller slå sammen den ene; YAML ville ellers stille overskrevet den første"),
        )
    if "alias" in message and "limit" in message:
        return Problem(shown, 1, 1, message=_("filen bruker YAML-aliaser (*navn) som vokser seg for store"),
                       hint=_("skriv verdiene ut i stedet for å bruke & og *"))
    if match:
        return Problem(
            shown, int(match.group(1)), int(match.group(2)),
            message=_("ugyldig YAML: {detail}").format(detail=last),
            hint=_("sjekk innrykk, kolon og anførselstegn på eller like før denne linjen"),
        )
    return Problem(shown, 1, 1, message=_("ugyldig YAML: {detail}").format(detail=last),
                   hint=_("sjekk filen i en YAML-editor"))


def _value_problem(message: str, text: str, shown: str) -> Problem:
    line = column = None
    match = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", message) or re.search(r"\b(\d{4}-\d{1,2}-\d{1,2})\b", text)
    if match:
        found = text.find(match.group(1))
        if found >= 0:
            line = text.count("\n", 0, found) + 1
            column = found - (text.rfind("\n", 0, found) + 1) + 1
    return Problem(shown, line, column, message=_("ugyldig verdi: {detail}").format(detail=message),
                   hint=_("skriv datoer som ÅÅÅÅ-MM-DD, med en dato som finnes"))


def _compose(text: str):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None


def _find_duplicate(text: str, key: str) -> tuple[int | None, int | None]:
    """Find the second occurrence of a duplicated key, with PyYAML's marks."""
    import yaml

    root = _compose(text)
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value in seen and k.value == key:
                    return k.start_mark.line + 1, k.start_mark.column + 1
                seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None, None


class Locator:
    """Find the line and column of a key path in a YAML text (composed lazily, once)."""

    def __init__(self, text: str):
        self.text = text
        self._root: Any = False

    def locate(self, path: Iterable[Any], at_key: bool = False) -> tuple[int | None, int | None]:
        """Return (line, column), 1-based, of the value (or key) at ``path``; the nearest parent if absent."""
        import yaml

        if self._root is False:
            self._root = _compose(self.text)
        node = self._root
        if node is None:
            return None, None
        best = (node.start_mark.line + 1, node.start_mark.column + 1)
        parts = list(path)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, yaml.MappingNode):
                found = None
                for k, v in node.value:
                    if k.value == str(part):
                        found = (k, v)
                if found is None:
                    return best
                k, v = found
                if last and (at_key or isinstance(v, (yaml.MappingNode, yaml.SequenceNode))):
                    return k.start_mark.line + 1, k.start_mark.column + 1
                node = v
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return best
            best = (node.start_mark.line + 1, node.start_mark.column + 1)
        return best


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see either the old or the whole new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
