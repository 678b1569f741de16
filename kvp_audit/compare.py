"""Compare rounds: an office with itself across rounds, and offices within a round.

Pure functions over scored rounds (:class:`~kvp_audit.scoring.RoundScore`); no I/O.

Criteria are matched across checklist versions only through what the checklists say: the
same id, or the newer criterion's ``replaces`` list (a new name, a split, or a merge).
A criterion with no such link is *not comparable* and is listed as such, never matched by
its question text or position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import _
from .models import Checklist
from .present import change_labels, count_text, county_labels, format_count
from .scoring import Tally

# change of one criterion at one office between two rounds
BETTER, WORSE, SAME, NEW, DROPPED = "bedre", "dårligere", "uendret", "ny", "utgått"
CHANGES = (BETTER, WORSE, SAME, NEW, DROPPED)
# how a criterion of the newer checklist relates to the older one
IDENTICAL, RENAMED, SPLIT, MERGED = "samme", "nytt navn", "delt", "slått sammen"
EPSILON = 1e-9


@dataclass
class Link:
    """A criterion of the newer checklist and the older criteria it is compared with."""

    criterion: str
    sources: list[str]
    relation: str


@dataclass
class Mapping:
    """How two checklist versions line up, criterion by criterion."""

    links: list[Link]
    new: list[str]       # criteria of the newer checklist with no older counterpart
    dropped: list[str]   # criteria of the older checklist that nothing replaces


def map_criteria(old: Checklist, new: Checklist) -> Mapping:
    """Line up the scored criteria of two checklist versions by id and ``replaces``.

    Equal ids count as the same criterion only within one checklist (the same checklist id):
    two different checklists are linked only where ``replaces`` says so.
    """
    same_checklist = old.id == new.id
    old_ids = [c.id for c in old.criteria() if c.scored]
    old_set = set(old_ids)
    raw: list[tuple[str, list[str]]] = []
    unlinked: list[str] = []
    for crit in new.criteria():
        if not crit.scored:
            continue
        sources = [r for r in crit.replaces if r in old_set]
        if same_checklist and crit.id in old_set and crit.id not in sources:
            sources.insert(0, crit.id)
        if sources:
            raw.append((crit.id, sources))
        else:
            unlinked.append(crit.id)
    used_by: dict[str, int] = {}
    for _cid, sources in raw:
        for s in sources:
            used_by[s] = used_by.get(s, 0) + 1
    links = []
    for cid, sources in raw:
        if len(sources) > 1:
            relation = MERGED
        elif used_by[sources[0]] > 1:
            relation = SPLIT
        elif sources[0] != cid:
            relation = RENAMED
        else:
            relation = IDENTICAL
        links.append(Link(cid, sources, relation))
    dropped = [cid for cid in old_ids if cid not in used_by]
    return Mapping(links, unlinked, dropped)


def _merged(tallies: dict[str, Tally], ids: list[str]) -> Tally:
    if len(ids) == 1:
        return tallies.get(ids[0]) or Tally()
    out = Tally()
    for cid in ids:
        if cid in tallies:
            out.merge(tallies[cid])
    return out


def change_of(before: Tally, after: Tally) -> str:
    """bedre, dårligere, uendret (by the weighted score), ny or utgått (assessed in one round only)."""
    if before.counted == 0 and after.counted == 0:
        return ""
    if before.counted == 0:
        return NEW
    if after.counted == 0:
        return DROPPED
    diff = (after.score or 0.0) - (before.score or 0.0)
    if diff > EPSILON:
        return BETTER
    if diff < -EPSILON:
        return WORSE
    return SAME


@dataclass
class CriterionChange:
    criterion: str
    question: str
    sources: list[str]
    relation: str
    before: Tally
    after: Tally
    change: str

    def as_dict(self) -> dict:
        return {
            "criterion": self.criterion, "question": self.question, "compared_with": self.sources,
            "relation": self.relation, "change": self.change,
            "before": self.before.as_dict(), "after": self.after.as_dict(),
            "before_text": count_text(self.before), "after_text": count_text(self.after),
        }


@dataclass
class OfficeComparison:
    office: str
    name: str
    criteria: list[CriterionChange]

    def counts(self) -> dict[str, int]:
        out = {c: 0 for c in CHANGES}
        for item in self.criteria:
            if item.change:
                out[item.change] += 1
        return out


@dataclass
class RoundComparison:
    before: str
    after: str
    before_name: str
    after_name: str
    checklists: tuple[str, str]
    offices: list[OfficeComparison]
    only_before: list[str]
    only_after: list[str]
    not_comparable_new: list[dict]
    not_comparable_dropped: list[dict]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "before": {"round": self.before, "name": self.before_name, "checklist": self.checklists[0]},
            "after": {"round": self.after, "name": self.after_name, "checklist": self.checklists[1]},
            "offices": [{"office": o.office, "name": o.name, "counts": o.counts(),
                         "criteria": [c.as_dict() for c in o.criteria]} for o in self.offices],
            "only_in_before": self.only_before, "only_in_after": self.only_after,
            "not_comparable": {"new": self.not_comparable_new, "dropped": self.not_comparable_dropped},
            "warnings": self.warnings,
        }


def compare_rounds(data_a, scores_a, data_b, scores_b, office: str | None = None) -> RoundComparison:
    """Compare round A (earlier) with round B (later), per office and per criterion."""
    ca, cb = data_a.case_checklist, data_b.case_checklist
    warnings = []
    if data_a.round.county.strip().casefold() != data_b.round.county.strip().casefold():
        warnings.append(_("rundene gjelder ulike fylker ({a} og {b}); kontorene sammenlignes likevel der de har samme id")
                        .format(a=data_a.round.county, b=data_b.round.county))
    if ca.id != cb.id:
        warnings.append(_("rundene bruker ulike sjekklister ({a} og {b}); bare kriterier som er koblet med "
                          "'replaces', sammenlignes").format(a=ca.ref, b=cb.ref))
    if data_a.round.period.start > data_b.round.period.start:
        warnings.append(_("{a} begynte etter {b}; oppgi den eldste runden først, ellers blir bedre og "
                          "dårligere byttet om").format(a=data_a.round.name, b=data_b.round.name))
    mapping = map_criteria(ca, cb)
    old_ids = ca.criterion_map()
    for crit in cb.criteria():
        for r in crit.replaces:
            if r not in old_ids:
                warnings.append(_("{crit} i {new} erstatter {old}, som ikke finnes i {old_ref}")
                                .format(crit=crit.id, new=cb.ref, old=r, old_ref=ca.ref))
    ids_a = [o.id for o in data_a.round.offices]
    ids_b = [o.id for o in data_b.round.offices]
    both = [o for o in ids_b if o in set(ids_a)]
    if office is not None:
        both = [o for o in both if o == office]
    questions = cb.criterion_map()
    offices = []
    for oid in both:
        sa, sb = scores_a.offices[oid], scores_b.offices[oid]
        items = []
        for link in mapping.links:
            before = _merged(sa.by_criterion, link.sources)
            after = sb.by_criterion.get(link.criterion) or Tally()
            items.append(CriterionChange(link.criterion, questions[link.criterion].question, link.sources,
                                         link.relation, before, after, change_of(before, after)))
        offices.append(OfficeComparison(oid, data_b.round.office(oid).name, items))
    old_q = ca.criterion_map()
    return RoundComparison(
        before=data_a.round.id, after=data_b.round.id,
        before_name=data_a.round.name, after_name=data_b.round.name,
        checklists=(ca.ref, cb.ref), offices=offices,
        only_before=[o for o in ids_a if o not in set(ids_b)],
        only_after=[o for o in ids_b if o not in set(ids_a)],
        not_comparable_new=[{"criterion": c, "question": questions[c].question} for c in mapping.new],
        not_comparable_dropped=[{"criterion": c, "question": old_q[c].question} for c in mapping.dropped],
        warnings=warnings,
    )


# --------------------------------------------------------------------------- within a round


def relative_to_county(office: Tally | None, county: Tally) -> str:
    """over, under or som fylket, by the weighted score; empty when nothing was assessed."""
    if office is None or office.counted == 0 or county.counted == 0:
        return ""
    diff = (office.score or 0.0) - (county.score or 0.0)
    if diff > EPSILON:
        return "over"
    if diff < -EPSILON:
        return "under"
    return "som fylket"


def compare_offices(data, scores) -> dict:
    """Offices side by side within a round, each theme against the county, with counts."""
    themes = [t for t in data.case_checklist.themes if t.id in scores.by_theme]
    rows = []
    for office in data.round.offices:
        s = scores.offices[office.id]
        cells = []
        for t in themes:
            tally = s.by_theme.get(t.id)
            cells.append({"theme": t.id, "tally": (tally or Tally()).as_dict(),
                          "text": format_count(tally, "vurderinger") if tally else _("ingen vurdert"),
                          "vs_county": relative_to_county(tally, scores.by_theme[t.id])})
        rows.append({"office": office.id, "name": office.name, "cases": len(s.cases), "themes": cells,
                     "total": {"tally": s.total.as_dict(), "text": format_count(s.total, "vurderinger"),
                               "vs_county": relative_to_county(s.total, scores.total)},
                     "avvik": len(s.findings_of("avvik")), "merknad": len(s.findings_of("merknad"))})
    county = [{"theme": t.id, "title": t.title, "tally": scores.by_theme[t.id].as_dict(),
               "text": format_count(scores.by_theme[t.id], "vurderinger")} for t in themes]
    return {"round": data.round.id, "name": data.round.name, "county": data.round.county,
            "themes": county, "offices": rows,
            "total": {"tally": scores.total.as_dict(), "text": format_count(scores.total, "vurderinger")}}


# --------------------------------------------------------------------------- text views

def _relation_note(item: CriterionChange, labels: dict[str, str]) -> str:
    if item.relation == IDENTICAL:
        return ""
    return f" ({labels[item.relation]}: {', '.join(item.sources)})"


def comparison_table(cmp: RoundComparison, all_criteria: bool = False) -> str:
    """A round comparison as text: per office the counts, then the criteria that changed."""
    from .textout import table

    labels = change_labels()
    out = [_("{a} → {b} (sjekkliste {ca} → {cb})").format(a=cmp.before_name, b=cmp.after_name,
                                                            ca=cmp.checklists[0], cb=cmp.checklists[1]), ""]
    rows = []
    for o in cmp.offices:
        counts = o.counts()
        rows.append([o.name, *(str(counts[c]) for c in CHANGES)])
    out.append(table([_("Kontor"), *(labels[c] for c in CHANGES)], rows, right={1, 2, 3, 4, 5}))
    for o in cmp.offices:
        shown = [i for i in o.criteria if all_criteria or i.change in (BETTER, WORSE, NEW, DROPPED)]
        if not shown:
            continue
        out += ["", o.name]
        out.append(table([_("Kriterium"), cmp.before_name, cmp.after_name, _("Endring")],
                         [[i.criterion + _relation_note(i, labels), count_text(i.before), count_text(i.after),
                           labels[i.change]] for i in shown]))
    if cmp.not_comparable_new or cmp.not_comparable_dropped:
        out += ["", _("Ikke sammenlignbare kriterier (ingen kobling i 'replaces'):")]
        for c in cmp.not_comparable_new:
            out.append("  " + _("bare i {round}").format(round=cmp.after_name) + f": {c['criterion']} – {c['question']}")
        for c in cmp.not_comparable_dropped:
            out.append("  " + _("bare i {round}").format(round=cmp.before_name) + f": {c['criterion']} – {c['question']}")
    for oid in cmp.only_before:
        out.append(_("Kontoret {office} er bare med i {round}.").format(office=oid, round=cmp.before_name))
    for oid in cmp.only_after:
        out.append(_("Kontoret {office} er bare med i {round}.").format(office=oid, round=cmp.after_name))
    return "\n".join(out) + "\n"


def offices_table(view: dict) -> str:
    """Offices side by side within a round, each theme against the county (themes by id)."""
    from .textout import table

    marks = {"over": "▲", "under": "▼", "som fylket": "=", "": ""}

    def cell(tally: dict, mark: str) -> str:
        if not tally["telles"]:
            return "–"
        return f"{tally['oppfylt']}/{tally['telles']} {marks[mark]}".rstrip()

    headers = [_("Kontor"), _("Saker"), *(t["theme"] for t in view["themes"]), _("Samlet")]
    rows = []
    for row in view["offices"]:
        rows.append([row["name"], str(row["cases"]),
                     *(cell(c["tally"], c["vs_county"]) for c in row["themes"]),
                     cell(row["total"]["tally"], row["total"]["vs_county"])])
    rows.append([_("Fylket"), str(sum(r["cases"] for r in view["offices"])),
                 *(cell(t["tally"], "") for t in view["themes"]), cell(view["total"]["tally"], "")])
    lines = [f"{view['name']} – {view['county']}", "",
             table(headers, rows, right=set(range(1, len(headers)))), "",
             _("Cellene viser oppfylte av vurderte kriterier. ▲ over fylket, ▼ under fylket, = som fylket "
               "(vektet resultat)."), ""]
    lines += [f"  {t['theme']}: {t['title']}" for t in view["themes"]]
    return "\n".join(lines) + "\n"


def render_html(kind: str, payload: dict, checklist: Checklist, lang: str, user_templates=None) -> str:
    """The comparison as one self-contained, accessible HTML page."""
    from . import __version__
    from .report.templating import environment, render, source_lang_attr

    labels = {**change_labels(), **county_labels()}
    title = (f"{payload['before']['name']} → {payload['after']['name']}" if kind == "rounds"
             else f"{payload['name']} – {payload['county']}")
    context = {"kind": kind, "lang": lang, "tool_version": __version__, "title": title, "labels": labels,
               "changes": list(CHANGES), "src_lang": source_lang_attr(checklist, lang),
               "cmp": payload if kind == "rounds" else None, "view": payload if kind == "offices" else None}
    return render(environment(user_templates, lang), "compare.html.j2", context)
