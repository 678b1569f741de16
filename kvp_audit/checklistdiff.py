"""How two versions of a checklist line up, criterion by criterion: what ``kvp-audit checklist diff``
prints and the web app's page of changes show.

A criterion of the newer version is the same as, a rename of, a split of or a merger of
criteria of the older one (by id and ``replaces``, as :func:`kvp_audit.compare.map_criteria`
links them for comparisons), or new; a criterion of the older version that nothing replaces
is dropped. Pure: both checklists are loaded already.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .compare import IDENTICAL, map_criteria
from .i18n import _, ngettext
from .models import Checklist
from .present import relation_label

NEW, DROPPED = "ny", "utgått"


@dataclass
class DiffRow:
    """One criterion of the diff: how it relates to the other version, with the questions."""

    criterion: str                 # the newer version's id (the older one's for a dropped criterion)
    relation: str                  # compare.IDENTICAL, RENAMED, SPLIT, MERGED, or NEW, DROPPED
    question: str                  # the criterion's question in its own version
    sources: list[tuple[str, str]] = field(default_factory=list)  # (id, question) in the older version

    @property
    def label(self) -> str:
        """The relation in words, in the current language."""
        if self.relation == NEW:
            return _("ny, ikke sammenlignbar")
        if self.relation == DROPPED:
            return _("utgått, ikke sammenlignbar")
        return relation_label(self.relation)


@dataclass
class ChecklistDiff:
    """Two checklist versions lined up: the criteria that are the same, changed, new and dropped."""

    old: Checklist
    new: Checklist
    same: list[DiffRow]
    changed: list[DiffRow]
    added: list[DiffRow]
    dropped: list[DiffRow]

    @property
    def same_checklist(self) -> bool:
        """Whether both are versions of one checklist (else only ``replaces`` links criteria)."""
        return self.old.id == self.new.id


def checklist_diff(old: Checklist, new: Checklist) -> ChecklistDiff:
    """Line up two checklist versions (their scored criteria), as ``kvp-audit checklist diff`` does."""
    mapping = map_criteria(old, new)
    before, after = old.criterion_map(), new.criterion_map()

    def row(link) -> DiffRow:
        return DiffRow(link.criterion, link.relation, after[link.criterion].question,
                       [(s, before[s].question) for s in link.sources])

    rows = [row(link) for link in mapping.links]
    return ChecklistDiff(
        old, new,
        same=[r for r in rows if r.relation == IDENTICAL],
        changed=[r for r in rows if r.relation != IDENTICAL],
        added=[DiffRow(cid, NEW, after[cid].question) for cid in mapping.new],
        dropped=[DiffRow(cid, DROPPED, before[cid].question) for cid in mapping.dropped],
    )


def diff_warning(diff: ChecklistDiff) -> str | None:
    """The warning for two different checklists (only criteria with ``replaces`` are linked), or None."""
    if diff.same_checklist:
        return None
    return _("advarsel") + ": " + _("ulike sjekklister; bare kriterier med 'replaces' er koblet")


def diff_lines(diff: ChecklistDiff) -> list[str]:
    """The diff as the lines ``kvp-audit checklist diff`` prints: the two refs, how many are the same,
    then each changed, new and dropped criterion."""
    same = len(diff.same)
    lines = [f"{diff.old.ref} → {diff.new.ref}",
             ngettext("{n} kriterium er det samme", "{n} kriterier er de samme", same).format(n=same)]
    for r in diff.changed:
        lines.append(f"  {r.criterion:10} {r.label}: {', '.join(s for s, _q in r.sources)}")
    for r in (*diff.added, *diff.dropped):
        lines.append(f"  {r.criterion:10} {r.label}: {r.question}")
    return lines
