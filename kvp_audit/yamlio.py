"""Reading YAML fast, placing errors exactly, and writing files atomically.

One parser reads every file the tool acts on: yaml-rs (YAML 1.2: ``no`` stays text,
duplicate keys are refused). It is several times faster than PyYAML but does not keep
the position of each value, so when a file has a problem, PyYAML's composer (which keeps
line and column marks) is run on that file only to *place* the message. PyYAML never
supplies data.

Every text is checked by :func:`check_text` before any parser sees it. The parsers
recurse (yaml-rs crashes the whole process on ``- - - …`` nested 20,000 deep, PyYAML
and ruamel.yaml raise RecursionError) and stop or disagree at control characters, so
the limits below are deliberate and documented in docs/format.md:

- ``MAX_FILE_BYTES``: 5 MB. A case file is about 5 kB, a national round's biggest
  checklist about 60 kB; a bigger file is a wrong file.
- ``MAX_DEPTH``: 64 levels of nesting (indentation steps, ``- ``/``? `` on one line,
  and ``[``/``{`` brackets counted together). A real file needs fewer than 10; every
  parser used here is safe far beyond 64.
- ``MAX_LINE_CHARS``: 50,000 characters on one line. The web form writes a comment on
  one line however long it is (25 pages of text fit); a whole case written as JSON on
  one line is about 20 kB.
- No control characters but TAB, LF and CR (CRLF files from Windows editors are fine);
  a UTF-8 byte order mark at the start is accepted and dropped.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from .errors import Problem, display_path
from .i18n import _

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_LINE_CHARS = 50_000

_POS = re.compile(r"line (\d+), column (\d+)")
# C0 and C1 controls and DEL, but TAB, LF and CR. NEL (U+0085) is among them: YAML 1.1
# readers (PyYAML, ruamel.yaml) take it for a line break and YAML 1.2 (yaml-rs) does not.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _classes() -> bytes:
    """A bytes.translate table that sorts a text's UTF-8 bytes into what check_text looks for."""
    table = bytearray(b" " * 256)
    for i in [*range(0, 9), 11, 12, *range(14, 32), 127]:
        table[i] = 0  # a C0 control or DEL
    for i in range(0x80, 0xA0):
        table[i] = 0x80  # a continuation byte that, after 0xC2, makes a C1 control
    table[0xC2] = 0xC2
    table[ord("\n")] = ord("\n")
    for c in " \t?:-":
        table[ord(c)] = ord("p")  # indentation and block indicators
    for c in "[{":
        table[ord(c)] = ord("b")  # flow openers
    return bytes(table)


_CLASS_TABLE = _classes()
# A line whose indentation and block indicators are this long might nest deeper than
# MAX_DEPTH (one level takes at least half a column); only then is the text scanned line
# by line. Likewise when it holds as many brackets as the limit.
_DEEP_PREFIX = b"p" * (MAX_DEPTH // 2 - 1)


class YamlFileError(Exception):
    """A file that could not be read as one YAML mapping; carries the problem (and any others)."""

    def __init__(self, problem: Problem, problems: list[Problem] | None = None):
        super().__init__(problem.message)
        self.problem = problem
        self.problems = problems or [problem]


def not_regular_problem(path: Path, mode: int) -> Problem | None:
    """The problem with reading ``path`` when its ``st_mode`` is not a regular file, else None.

    A FIFO would block every command forever and a device such as /dev/zero would be read
    until memory runs out, so only regular files are ever opened.
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        kind = _("en mappe")
    elif stat.S_ISFIFO(mode):
        kind = _("en navngitt pipe (FIFO)")
    elif stat.S_ISCHR(mode):
        kind = _("en tegnenhet (for eksempel /dev/zero)")
    elif stat.S_ISBLK(mode):
        kind = _("en blokkenhet")
    elif stat.S_ISSOCK(mode):
        kind = _("en socket")
    else:
        kind = _("en spesialfil")
    return Problem(display_path(path),
                   message=_("'{name}' er {kind}, ikke en vanlig fil, og leses ikke").format(name=path.name, kind=kind),
                   hint=_("flytt den ut av runden; bare vanlige YAML-filer leses"))


def round_file_problem(path: Path, root: Path) -> Problem | None:
    """Why ``path``, found in a round folder, is not read: None for a regular file inside the round.

    A symbolic link that leads outside the round is refused (an error): a case file
    linked in from elsewhere would carry someone else's data into the reports. A FIFO,
    device, socket or folder with a YAML name is skipped with a warning.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = Path(os.path.realpath(path))
            home = Path(os.path.realpath(root))
            if target != home and home not in target.parents:
                return Problem(display_path(path),
                               message=_("filen er en lenke til {target}, utenfor runden, og leses ikke").format(
                                   target=target),
                               hint=_("kopier filen inn i runden i stedet for å lenke til den"))
            info = os.stat(path)
    except OSError as exc:
        return Problem(display_path(path), message=_("filen kan ikke leses ({error})").format(error=exc.strerror or exc))
    problem = not_regular_problem(path, info.st_mode)
    if problem is not None:
        return Problem(problem.path, message=problem.message, hint=problem.hint, severity="warning")
    return None


def _size_problem(path: Path, size: int) -> Problem:
    return Problem(
        display_path(path),
        line=1,
        message=_("filen er {size:.1f} MB, mer enn grensen på {limit} MB for en YAML-fil").format(
            size=size / 1024 / 1024, limit=MAX_FILE_BYTES // 1024 // 1024
        ),
        hint=_("sjekk at det er riktig fil; en saksvurdering er vanligvis under 20 kB"),
    )


def _unreadable(path: Path, exc: OSError) -> YamlFileError:
    return YamlFileError(Problem(display_path(path), message=_("filen kan ikke leses ({error})").format(
        error=exc.strerror or exc), hint=_("sjekk at filen finnes og at du har lov til å lese den")))


def _open_for_reading(path: Path) -> int:
    """Open without blocking: a FIFO swapped in after the check must not hang the reader."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))


def read_bytes(path: Path) -> bytes:
    """Read a regular file of at most ``MAX_FILE_BYTES``, or raise :class:`YamlFileError`.

    The file is checked before it is opened (a FIFO is never opened for a blocking read)
    and again on the open descriptor (it may have been swapped in between); no more than
    the limit and one byte is ever read.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    problem = not_regular_problem(path, info.st_mode)
    if problem:
        raise YamlFileError(problem)
    if info.st_size > MAX_FILE_BYTES:
        raise YamlFileError(_size_problem(path, info.st_size))
    try:
        fd = _open_for_reading(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        problem = not_regular_problem(path, os.fstat(fd).st_mode)
        if problem:
            raise YamlFileError(problem)
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        raise YamlFileError(_size_problem(path, len(raw)))
    return raw


def read_text(path: Path) -> str:
    """Read a regular file as UTF-8 text, a leading byte order mark dropped and CRLF read as LF.

    The text is checked by :func:`check_text` when it is parsed (:func:`parse_mapping`,
    :func:`loads`), not here, so that it is checked once.
    """
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlFileError(
            Problem(
                display_path(path),
                line=line,
                message=_("filen er ikke UTF-8-tekst"),
                hint=_("lagre filen som UTF-8 i editoren"),
            )
        ) from None
    text = text[1:] if text.startswith("\ufeff") else text
    # Windows line ends (Notepad, a checkout with autocrlf) read as LF: the same values, lines and
    # columns, and a file edited by the tool is written back with one kind of line end.
    return text.replace("\r\n", "\n") if "\r" in text else text


def check_text(text: str, path: Path | str | None = None) -> None:
    """Refuse text no parser should see: control characters, overlong lines, deep nesting.

    Raises :class:`YamlFileError` with the file and line. Cheap for ordinary files: the
    line-by-line nesting scan runs only when a quick count says the text might be deep.
    """
    shown = display_path(path) if path is not None else "-"
    # One pass in C over the bytes; the exact place is looked for only when something is wrong.
    classes = text.encode("utf-8", "surrogatepass").translate(_CLASS_TABLE)
    if b"\x00" in classes or b"\xc2\x80" in classes:
        bad = _CONTROL.search(text)
        line, column = _line_col(text, bad.start())
        raise YamlFileError(Problem(
            shown, line, column,
            message=_("linjen har kontrolltegnet U+{code:04X}, som YAML-lesere leser ulikt (en NUL avslutter filen)").format(
                code=ord(bad.group())),
            hint=_("slett tegnet (det kommer som regel fra innliming); bare tabulator og linjeskift er lov")))
    if len(text) > MAX_LINE_CHARS:
        start = 0
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            if end - start > MAX_LINE_CHARS:
                line = text.count("\n", 0, start) + 1
                raise YamlFileError(Problem(
                    shown, line, 1,
                    message=_("linjen har {count} tegn, mer enn grensen på {limit}").format(
                        count=end - start, limit=MAX_LINE_CHARS),
                    hint=_("del teksten over flere linjer (en blokk med | eller >)")))
            start = end + 1
    if (classes.count(b"b") >= MAX_DEPTH or classes.startswith(_DEEP_PREFIX)
            or b"\n" + _DEEP_PREFIX in classes):
        deep = nesting_too_deep(text)
        if deep is not None:
            raise YamlFileError(Problem(
                shown, deep, 1,
                message=_("YAML-strukturen er nestet dypere enn grensen på {limit} nivåer").format(limit=MAX_DEPTH),
                hint=_("en saksvurdering trenger under 10 nivåer: sjekk at filen ikke er skadet eller generert feil")))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def nesting_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The first line (1-based) where the nesting of ``text`` passes ``limit`` levels, or None.

    An estimate that errs on the generous side: block levels are the open indentation
    columns (a sequence at its key's column counts as one more; each ``- ``, ``? ``,
    ``: `` at a line's start opens one more), flow levels the open brackets outside quotes
    and comments. Block scalar content (``|``, ``>``) is skipped only while it is
    indented deeper than its key.
    """
    stack: list[int] = []  # columns of the open block nodes
    weights: list[int] = []  # levels each column holds (2: a mapping and its sequence)
    dashes: list[bool] = []  # whether the column's first line was a "- " entry
    flow = 0
    quote = ""
    scalar_above: int | None = None  # inside a block scalar: content is indented deeper than this
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        n = len(line)
        i = 0
        while i < n and line[i] in " \t":
            i += 1
        if scalar_above is not None:
            if i == n or i > scalar_above:
                continue
            scalar_above = None
        if i == n or (line[i] == "#" and not quote):
            continue
        j, indicators, node_col = i, 0, i
        while j < n and line[j] in "-?:" and (j + 1 == n or line[j + 1] in " \t"):
            indicators += 1
            node_col = j
            j += 1
            while j < n and line[j] in " \t":
                j += 1
        if quote or flow:
            # inside a quoted scalar or a bracket: indentation means nothing, but count
            # indicators anyway (a generous estimate is the safe one)
            depth = sum(weights) + indicators
        else:
            while stack and stack[-1] > i:
                stack.pop()
                weights.pop()
            dash = indicators > 0 and line[i] == "-"
            if not stack or stack[-1] < i:
                stack.append(i)
                weights.append(1)
            elif dash and weights[-1] == 1 and not dashes[len(stack) - 1]:
                weights[-1] = 2  # "key:" then "- " at the same column: a sequence inside the mapping
            del dashes[len(stack):]
            dashes[len(stack) - 1:] = [dash]
            # "- - -" opens a node after each indicator; later lines may be indented to them
            for col in range(i + 2, j + 1, 2):
                if col > stack[-1]:
                    stack.append(col)
                    weights.append(1)
                    dashes.append(False)
            depth = sum(weights)
        if depth + flow > limit:
            return lineno
        token_start, token_col = True, j
        k = j if not quote else 0
        while k < n:
            c = line[k]
            if quote:
                if c == "\\" and quote == '"':
                    k += 2
                    continue
                if c == quote:
                    if quote == "'" and k + 1 < n and line[k + 1] == "'":
                        k += 2
                        continue
                    quote = ""
                    token_start = False
                k += 1
                continue
            if c == "#" and (k == 0 or line[k - 1] in " \t"):
                break
            if c in " \t":
                k += 1
                continue
            if flow:
                if c in "[{":
                    flow += 1
                    if depth + flow > limit:
                        return lineno
                elif c in "]}":
                    flow -= 1
                elif c in "\"'" and token_start:
                    quote = c
                token_start = c in ",[{:"
                k += 1
                continue
            if token_start:
                token_col = k
                if c in "[{":
                    flow = 1
                    if depth + flow > limit:
                        return lineno
                    k += 1
                    continue
                if c in "\"'":
                    quote = c
                    k += 1
                    continue
                if c in "|>":
                    scalar_above = node_col
                    break
                if c in "&!*":  # an anchor, tag or alias: the node itself comes after it
                    while k < n and line[k] not in " \t":
                        k += 1
                    continue
            # a plain scalar or a key (brackets in it are text); ": " starts its value
            token_start = False
            if c == ":" and (k + 1 == n or line[k + 1] in " \t"):
                token_start, node_col = True, token_col
            k += 1
    return None


_PARSER: tuple[int, Any] | None = None  # (pid, the executor of the one thread that parses off the main thread)
_PARSER_LOCK = threading.Lock()


def _yaml_rs_loads(text: str) -> Any:
    """``yaml_rs.loads`` on the main thread, or on one long-lived parser thread for every other thread.

    yaml-rs 0.1.6 can crash the process (a null pointer in the extension) when called from a
    thread started after it was first used, as the web server's request threads are; one
    thread that lives as long as the process does not (see tests/test_web_round_browser.py).
    """
    import yaml_rs

    if threading.current_thread() is threading.main_thread():
        return yaml_rs.loads(text, parse_datetime=False)
    global _PARSER
    with _PARSER_LOCK:
        if _PARSER is None or _PARSER[0] != os.getpid():  # a forked worker needs its own thread
            from concurrent.futures import ThreadPoolExecutor

            _PARSER = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="kvp-yaml"))
        executor = _PARSER[1]
    return executor.submit(yaml_rs.loads, text, parse_datetime=False).result()


def loads(text: str) -> Any:
    """Parse YAML text with the tool's one set of rules (yaml-rs, YAML 1.2), after :func:`check_text`.

    Dates are left as text: yaml-rs would read even a quoted '2026-01-01' as a date, so a
    comment that happens to be a date could not be saved as text. Fields that hold dates
    are converted where the models and the checklist say so (pydantic, facts and answers).
    """
    import yaml_rs

    if text.startswith("\ufeff"):
        text = text[1:]
    check_text(text)
    return _yaml_rs_loads(text)


def parse_mapping(text: str, path: Path) -> dict[str, Any]:
    """Parse ``text`` as one YAML mapping with yaml-rs, or raise :class:`YamlFileError`."""
    return _parse_mapping(text, path)


def _parse_mapping(text: str, path: Path) -> dict[str, Any]:
    import yaml_rs

    if text.startswith("\ufeff"):
        text = text[1:]
    check_text(text, path)
    try:
        data = _yaml_rs_loads(text)
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
    """Read and parse a YAML file; return the mapping and the text (for placing errors).

    Every file the commands read goes through here, so the identity-number guard runs
    here for every file kind (round, checklist, case, office and follow-up files) and
    file name; a file that cannot be parsed is still scanned as text. (The web form
    reads a file with an identity number, so that it can be removed there; it refuses
    to save one through the same check, :func:`kvp_audit.load.check_review`.)
    """
    from .privacy import problems as privacy_problems

    text = read_text(path)
    try:
        data = parse_mapping(text, path)
    except YamlFileError as exc:
        refused = privacy_problems(text, None, path)
        if refused:
            raise YamlFileError(exc.problem, [*exc.problems, *refused]) from None
        raise
    refused = privacy_problems(text, data, path)
    if refused:
        raise YamlFileError(refused[0], refused)
    return data, text


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
        check_text(text)
        return yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, YamlFileError, RecursionError):
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
