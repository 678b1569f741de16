"""The office's plan for retting (``<office>/plan.yaml``) on the web form's office page.

Read-only: the office sends the plan and the team writes it into plan.yaml with an editor;
the page lists each item with the finding it answers, and says when the file has problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Office
from .findings import Finding


@dataclass
class PlanSummary:
    """An office's plan as its page shows it."""

    readable: bool
    errors: int
    received: str = ""
    rows: list[dict] = field(default_factory=list)


def plan_summary(folder, office: Office, findings: list[Finding]) -> PlanSummary | None:
    """The office's plan.yaml, item by item with the question of its finding, or None without one."""
    from ..load import PLAN_FILE, load_record

    path = folder / PLAN_FILE
    if not path.is_file():
        return None
    plan, problems = load_record(path)
    errors = sum(1 for p in problems if p.is_error)
    if plan is None:
        return PlanSummary(False, errors)
    by_id = {f.id: f for f in findings}
    rows = []
    for fid, item in plan.items.items():
        finding = by_id.get(fid)
        rows.append({"id": fid, "finding": f"{finding.criterion}: {finding.question}" if finding else "",
                     "measure": item.measure, "responsible": item.responsible,
                     "due": item.due.isoformat() if item.due else "", "status": item.status,
                     "evidence": item.evidence})
    return PlanSummary(True, errors, plan.received.isoformat() if plan.received else "", rows)
