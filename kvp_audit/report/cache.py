"""The rebuild cache: a report whose inputs have not changed since it was written is skipped.

The record (``.kvp-audit-rapporter.json`` in the output folder) holds, per report file, three
digests: of what the report was made from (its render context, the templates, the tool's
version), of every file the run read (the input digest), and of the file's own content as
it was written. A report is kept only when the file on disk still has the content recorded
for it and that content was made from what the inputs give now:

* a whole run is skipped without loading the round only when every report of the run was
  recorded against the current input digest and is on disk unchanged;
* otherwise each report is kept only when its render context digest matches the recorded one
  and its file is unchanged on disk.

The record is written after the reports, so a run that is killed midway leaves reports whose
content the record does not know: they are made again on the next run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..yamlio import atomic_write
from .files import followup_report_path, report_dir, report_path
from .templating import template_dir

MANIFEST = ".kvp-audit-rapporter.json"
MANIFEST_VERSION = 2


def content_digest(data: bytes) -> str:
    """The digest of a report file's content, as recorded after writing it."""
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return content_digest(path.read_bytes())
    except OSError:
        return None


@dataclass
class Manifest:
    """The rebuild record of one output folder: per report file name, what it was made from."""

    path: Path
    reports: dict[str, dict] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """The folder's record; empty when there is none, it cannot be read, or it has an older
        layout."""
        manifest = cls(out_dir / MANIFEST)
        try:
            raw = json.loads(manifest.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return manifest
        if isinstance(raw, dict) and raw.get("version") == MANIFEST_VERSION and isinstance(raw.get("reports"), dict):
            manifest.reports = {k: v for k, v in raw["reports"].items() if isinstance(v, dict)}
        return manifest

    def on_disk_as_recorded(self, target: Path) -> bool:
        """Whether the report file exists with exactly the content recorded for it."""
        record = self.reports.get(target.name)
        return record is not None and record.get("sha256") == _file_digest(target)

    def keeps(self, target: Path, digest: str, inputs: str) -> bool:
        """Whether the report made from ``digest`` is on disk already; if so, it is recorded
        as made from the current inputs."""
        record = self.reports.get(target.name)
        if record is None or record.get("context") != digest or not self.on_disk_as_recorded(target):
            return False
        if record.get("inputs") != inputs:
            record["inputs"] = inputs
            self.changed = True
        return True

    def all_current(self, targets: list[Path], inputs: str) -> bool:
        """Whether every report was recorded against these inputs and is on disk unchanged."""
        return all(self.reports.get(t.name, {}).get("inputs") == inputs and self.on_disk_as_recorded(t)
                   for t in targets)

    def record(self, target: Path, digest: str, inputs: str, sha256: str) -> None:
        """Note a report just written: made from ``digest`` and ``inputs``, with this content."""
        self.reports[target.name] = {"context": digest, "inputs": inputs, "sha256": sha256}
        self.changed = True

    def save(self) -> None:
        """Write the record (atomically) when something changed."""
        if self.changed:
            body = {"version": MANIFEST_VERSION, "reports": self.reports}
            atomic_write(self.path, json.dumps(body, indent=1, sort_keys=True) + "\n")
            self.changed = False


def context_digest(context: dict, templates: list[Path], fmt: str) -> str:
    """The digest of what one report file is made from: its context, the templates, the format."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(fmt.encode())
    # repr is deterministic here (contexts are built in a fixed order from plain values) and
    # several times faster than json.dumps, which matters when a re-run skips every report
    h.update(repr(context).encode())
    for path in templates:
        h.update(str(path).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def template_files(user_templates: Path | None) -> list[Path]:
    """The template files a report may use: the packaged ones, then the user's."""
    files = sorted(template_dir().glob("*.j2"))
    if user_templates is not None and user_templates.is_dir():
        files += sorted(user_templates.glob("*.j2"))
    return files


def input_digest(round_dir: Path, user_templates: Path | None) -> str:
    """A digest of every file a report run reads: the rounds (this one and the previous ones),
    the checklist folders, the templates, the catalogues and the tool's own code."""
    from ..load import library_for, previous_chain

    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    folders = [*previous_chain(round_dir), *library_for(round_dir).folders, template_dir(), package]
    if user_templates is not None:
        folders.append(user_templates)
    for folder in folders:
        if not folder.is_dir():
            continue
        h.update(str(folder).encode())
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".yml", ".j2", ".py", ".mo") and path.is_file():
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _unchanged(round_dir: Path, out: Path | None, formats: list[str], lang: str, office: str | None,
               inputs: str) -> list[Path] | None:
    """When every report of the run was made from these inputs and is on disk as written, the
    report files (all to be skipped), found without loading the round; otherwise None."""
    from ..load import FOLLOWUP_FILE, load_round_file

    rnd, _problems = load_round_file(round_dir / "runde.yaml") if (round_dir / "runde.yaml").is_file() else (None, [])
    if rnd is None or (office is not None and rnd.office(office) is None):
        return None
    out = report_dir(rnd.id, out)
    names = [office] if office else [*(o.id for o in rnd.offices), None]
    targets = [report_path(out, name, fmt, lang) for name in names for fmt in formats]
    # an office with a follow-up record has a follow-up report too
    targets += [followup_report_path(out, name, fmt, lang) for name in names
                if name is not None and (round_dir / name / FOLLOWUP_FILE).is_file() for fmt in formats]
    if not Manifest.load(out).all_current(targets, inputs):
        return None
    return targets

