"""Generate the fictional example rounds in examples/fiktivfylke/ (deterministic, seeded).

    python examples/make_examples.py

Everything written is fictional: the county, the offices, the cases and the reviewers'
initials. The answers are drawn so that they echo what the Oppland round of 2010 found
(AEV always present, individual plans rarely documented, some closure decisions missing,
routines out of date at over half the offices), with the 2026 round showing improvement
at most offices. The same functions build the synthetic national round in benchmarks/.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kvp_audit.load import load_checklist  # noqa: E402
from kvp_audit.privacy import KEY_ALPHABET  # noqa: E402

FICTION = "Fiktive eksempeldata: ingen virkelige personer, saker eller kontorer."
HEADER = f"# {FICTION}\n"
COUNTY = "Fiktivfylke (fiktivt)"

OFFICES_2024 = [
    ("nav-fjellby", "NAV Fjellby"), ("nav-strandvik", "NAV Strandvik"), ("nav-dalheim", "NAV Dalheim"),
    ("nav-nordvik", "NAV Nordvik"), ("nav-skogli", "NAV Skogli"), ("nav-elvestad", "NAV Elvestad"),
    ("nav-bergtun", "NAV Bergtun"), ("nav-sjohavn", "NAV Sjøhavn"), ("nav-lia", "NAV Lia"),
    ("nav-vidda", "NAV Vidda"),
]
# In 2026 NAV Vidda has merged with a neighbour into NAV Midtdal, and NAV Sørholmen (new in
# the round) has ten cases, so that the report's page limit for a large sample is tried.
OFFICES_2026 = OFFICES_2024[:-1] + [("nav-midtdal", "NAV Midtdal"), ("nav-sorholmen", "NAV Sørholmen")]
CASES = {"nav-sorholmen": 10}
NOT_IMPROVING = {"nav-skogli", "nav-lia"}
REVIEWERS = ["KB", "TH", "ÅS", "MR", "EL"]

OUTCOMES = [("arbeid", 38), ("utdanning", 8), ("statlige tiltak", 5), ("AAP", 26), ("uføretrygd", 3),
            ("sosialhjelp", 8), ("annet", 12)]

# Chance of "ja" per criterion (the rest split between delvis and nei).
BASE = 0.87
P_YES = {
    "KA-01": 1.0,   # AEV present in every case (seed 000)
    "IP-90": 0.15, "IP-01": 0.25, "IP-02": 0.15, "IP-03": 0.3,
    "BM-02": 0.35, "BM-03": 0.5, "AV-01": 0.65, "AV-03": 0.7, "AV-04": 0.3,
    "IN-04": 0.6, "IN-05": 0.55, "IN-06": 0.55, "OP-01": 0.5, "OP-90": 0.55, "OP-02": 0.6,
    "IN-07": 0.4, "DO-03": 0.35, "SV-02": 0.85, "SV-03": 0.97, "SV-05": 0.8,
}
# Improvement from 2024 to 2026 at most offices (added to the chance of "ja").
IMPROVES = {"IP-01": 0.35, "IP-02": 0.35, "IP-03": 0.25, "BM-02": 0.25, "AV-01": 0.2, "IN-06": 0.2, "OP-01": 0.2}
NOT_ANSWERED_USUALLY = {"OP-05"}  # usually "ikke aktuelt": few programmes are extended

COMMENTS = {
    "IP": ["Ingen spor av at individuell plan er tilbudt.", "IP er nevnt i et notat, men deltakerens svar er ikke dokumentert.",
           "Deltakeren har flere tjenester; **koordinator** er ikke avklart."],
    "BM": ["Egenvurderingsskjema er ikke brukt.", "Planen er ikke signert av deltakeren.",
           "Deltakerens ønsker går lite fram av notatene."],
    "AV": ["Programmet er avsluttet i Arena uten vedtak i saksmappen.", "Utfallet er ikke registrert.",
           "Vedtaket mangler klageopplysning."],
    "IN": ["Planen viser om lag 20 timer per uke.", "Ingen arbeidsrettede tiltak etter halvgått program.",
           "Evalueringstidspunkter står ikke i planen.", "Sommerferien er ikke planlagt."],
    "OP": ["Evalueringen var forsinket med to måneder.", "Aktivitetsplanen har aktiviteter med status «Planlegger» som er avsluttet.",
           "Lange perioder uten kontakt."],
    "SV": ["Vedtaket har standardbegrunnelse uten konkret vurdering.", "Klageinstansen er ikke oppgitt.",
           "Saksbehandlingstiden var tre måneder uten foreløpig svar."],
    "KA": ["Arbeidsevnevurderingen viser ikke til kildene.", "Bolig og økonomi er lite kartlagt."],
    "DO": ["Samtaler er ikke nedtegnet.", "Samme opplysninger er ført i både Gosys og saksmappen, med avvik.",
           "Barnas situasjon er ikke nevnt."],
}
SOURCES = {
    "SV": ["saksmappe", "Gosys"], "KA": ["Arena", "Modia"], "IN": ["aktivitetsplan", "saksmappe"],
    "IP": ["saksmappe", "Gosys"], "BM": ["saksmappe", "aktivitetsplan", "samtale"],
    "OP": ["aktivitetsplan", "Modia"], "AV": ["saksmappe", "Arena"], "DO": ["saksmappe", "Gosys", "Modia"],
}


def q(value: str) -> str:
    """A YAML scalar: JSON strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def draw_key(rng: random.Random, taken: set[str]) -> str:
    """A case key like the tool draws (K- and six characters), from a seeded generator."""
    while True:
        key = "K-" + "".join(rng.choice(KEY_ALPHABET) for _ in range(6))
        if key not in taken and not key[2:].isdigit():
            taken.add(key)
            return key


def weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, w in pairs:
        x -= w
        if x <= 0:
            return value
    return pairs[-1][0]


def draw_facts(rng: random.Random, round_start: dt.date) -> dict:
    status = weighted(rng, [("pågående", 50), ("avsluttet", 35), ("avbrutt", 15)])
    start = round_start - dt.timedelta(days=rng.randint(90, 3 * 365))
    facts = {
        "status": status,
        "startdato": start,
        "har_barn": rng.random() < 0.35,
        "under_25": rng.random() < 0.3,
        "forbi_halvveis": True if status != "pågående" else rng.random() < 0.5,
        "behov_ip": rng.random() < 0.6,
    }
    if status != "pågående":
        facts["utfall"] = weighted(rng, OUTCOMES)
    return facts


def chance(cid: str, office: str, year: int, office_quality: float) -> float:
    p = P_YES.get(cid, BASE) + office_quality
    if year >= 2026 and office not in NOT_IMPROVING:
        p += IMPROVES.get(cid, 0.05)
    if year <= 2022:
        p -= 0.08  # the first round found more to improve

    return max(0.0, min(1.0, p if cid != "KA-01" else 1.0))


def draw_answer(rng, crit, applies: bool, p_yes: float) -> tuple[str | None, str, list[str]]:
    prefix = crit.id.split("-")[0]
    if not applies:
        return "ikke aktuelt", "", []
    if crit.id in NOT_ANSWERED_USUALLY and rng.random() < 0.85:
        return "ikke aktuelt", "", []
    x = rng.random()
    sources = rng.sample(SOURCES.get(prefix, ["saksmappe"]), k=1)
    if x < p_yes:
        return "ja", "", sources
    value = "delvis" if rng.random() < 0.45 else "nei"
    comment = rng.choice(COMMENTS.get(prefix, ["Mangler i saken."])) if rng.random() < 0.8 else ""
    return value, comment, sources


def case_text(rng, checklist, office_id: str, key: str, reviewers, date: dt.date, selection: str,
              facts: dict, year: int, quality: float, unanswered: int = 0) -> str:
    from kvp_audit.scoring import applies

    lines = [HEADER.rstrip("\n"), f"case: {key}", f"office: {office_id}", f"reviewers: [{', '.join(reviewers)}]",
             f"date: {date.isoformat()}", f"selection: {selection}", f"note: {q(FICTION)}", "facts:"]
    for name, value in facts.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        else:
            value = q(value) if " " in str(value) else value
        lines.append(f"  {name}: {value}")
    lines.append("answers:")
    scored = [c for c in checklist.criteria() if c.scored]
    skip = set(rng.sample([c.id for c in scored], k=unanswered)) if unanswered else set()
    for crit in checklist.criteria():
        if crit.id in skip:
            continue
        if not crit.scored:
            if crit.answer.value == "number":
                lines.append(f"  {crit.id}: {rng.choice([37.5, 37.5, 37.5, 30, 25, 20])}")
            elif crit.answer.value == "choice":
                lines.append(f"  {crit.id}: {q(rng.choice(crit.options))}")
            continue
        value, comment, sources = draw_answer(rng, crit, applies(crit, facts), chance(crit.id, office_id, year, quality))
        if not comment and not sources:
            lines.append(f"  {crit.id}: {value}")
            continue
        lines.append(f"  {crit.id}:")
        lines.append(f"    answer: {value}")
        if comment:
            lines.append(f"    comment: {q(comment)}")
        if sources:
            lines.append(f"    sources: [{', '.join(sources)}]")
    for crit in checklist.criteria():  # left unanswered on purpose, saying why (no completeness warning)
        if crit.id in skip:
            lines.append(f"  {crit.id}:")
            lines.append(f"    comment: {q(NOT_ASSESSED)}")
    return "\n".join(lines) + "\n"


NOT_ASSESSED = "Ikke vurdert: dokumentasjonen var ikke tilgjengelig under besøket."


def office_text(rng, checklist, office_id: str, reviewers, visit: dt.date, year: int, quality: float) -> str:
    lines = [HEADER.rstrip("\n"), f"office: {office_id}", f"reviewers: [{', '.join(reviewers)}]",
             f"visit_dates: [{visit.isoformat()}]", "met: [leder, KVP-veileder, veileder]",
             f"note: {q(FICTION)}", "answers:"]
    maaltall = rng.randint(5, 25)
    start = max(1, round(maaltall * rng.uniform(0.5, 1.1)))
    figures = {
        "TALL-MAALTALL": maaltall, "TALL-OPPSTART": start,
        "TALL-PRDATO": max(0, start + rng.randint(-3, 4)), "TALL-AVSLUTTET": rng.randint(1, 8),
        "TALL-AVSLAG": rng.randint(0, 4), "TALL-SOKNADER": rng.randint(3, 15),
    }
    routine_yes = 0.4 if year < 2026 else 0.55
    for crit in checklist.criteria():
        if not crit.scored:
            lines.append(f"  {crit.id}: {figures[crit.id]}")
            continue
        p = (routine_yes if crit.id.startswith("KR") else 0.65) + quality
        x = rng.random()
        value = "ja" if x < p else ("delvis" if rng.random() < 0.5 else "nei")
        if value == "ja":
            lines.append(f"  {crit.id}: ja")
        else:
            comment = {"KR": "Rutinene er fra 2019 og viser ikke til gjeldende rundskriv.",
                       "KK": "Ny veileder har ikke fått opplæring i KVP.",
                       "KS": "Samarbeidet avhenger av enkeltpersoner.",
                       "KL": "Måltallet er lite kjent blant veilederne."}.get(crit.id[:2], "")
            lines += [f"  {crit.id}:", f"    answer: {value}", f"    comment: {q(comment)}", "    sources: [samtale]"]
    return "\n".join(lines) + "\n"


def followup_text(rng, checklist, office_id: str, reviewers, date: dt.date) -> str:
    lines = [HEADER.rstrip("\n"), f"office: {office_id}", f"reviewers: [{', '.join(reviewers)}]",
             f"date: {date.isoformat()}", f"note: {q(FICTION)}", "answers:"]
    for crit in checklist.criteria():
        value = weighted(rng, [("ja", 60), ("delvis", 25), ("nei", 15)])
        lines.append(f"  {crit.id}: {value}")
    lines.append("findings: {}")
    return "\n".join(lines) + "\n"


def round_text(round_id: str, name: str, start: dt.date, end: dt.date, case_ref: str, offices, previous=None) -> str:
    lines = [HEADER.rstrip("\n"), f"id: {round_id}", f"name: {q(name)}", f"county: {q(COUNTY)}",
             "period:", f"  start: {start.isoformat()}", f"  end: {end.isoformat()}", "checklists:",
             f"  case: {case_ref}", "  office: kvp-kontor@2026.1", "  followup: kvp-oppfolging@2026.1"]
    if previous:
        lines.append(f"previous: {q(previous)}")
    lines.append(f"note: {q(FICTION)}")
    lines.append("offices:")
    for oid, oname in offices:
        lines += [f"  - id: {oid}", f"    name: {q(oname)}"]
    return "\n".join(lines) + "\n"


def make_round(folder: Path, year: int, offices, case_checklist, office_checklist, followup_checklist,
               seed: int, previous: str | None = None, cases_per_office=None) -> None:
    """Write one fictional round into ``folder`` (which is replaced)."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    start, end = dt.date(year, 2, 1), dt.date(year, 6, 30)
    (folder / "runde.yaml").write_text(round_text(
        f"fiktivfylke-{year}", f"Kvalitetsinnsyn KVP {year}", start, end, case_checklist.ref, offices, previous),
        encoding="utf-8")
    taken: set[str] = set()
    unanswered_left = 2
    for index, (oid, _name) in enumerate(offices):
        office_rng = random.Random(f"{seed}-{oid}")
        quality = office_rng.uniform(-0.12, 0.1)
        (folder / oid).mkdir()
        visit = start + dt.timedelta(days=7 * index + 3)
        reviewers = sorted(rng.sample(REVIEWERS, 2))
        n = cases_per_office if cases_per_office else rng.choice([2, 3, 4, 4, 4, 4, 5, 6])
        n = CASES.get(oid, n)  # drawn all the same, so the offices after it are unchanged
        for i in range(n):
            key = draw_key(rng, taken)
            facts = draw_facts(rng, start)
            selection = "kontoret" if i < n // 2 else "tilfeldig"
            unanswered = 0
            if unanswered_left and index in (2, 5) and i == 0:
                unanswered, unanswered_left = 2, unanswered_left - 1
            text = case_text(rng, case_checklist, oid, key, reviewers, visit, selection, facts, year, quality, unanswered)
            (folder / oid / f"{key}.yaml").write_text(text, encoding="utf-8")
        (folder / oid / "kontor.yaml").write_text(
            office_text(rng, office_checklist, oid, reviewers, visit, year, quality), encoding="utf-8")
        if followup_checklist is not None and year >= 2026 and index % 3 == 0:
            (folder / oid / "oppfolging.yaml").write_text(
                followup_text(rng, followup_checklist, oid, reviewers, visit), encoding="utf-8")


ACTIONS = {
    "lukket": ("Rutinen er oppdatert og gjennomgått på fagmøte.", "Ny rutine og referat fra fagmøtet."),
    "delvis": ("Rutinen er oppdatert, men ikke tatt i bruk i alle saker.", "Ny rutine; stikkprøve av to saker."),
    "åpen": ("Kontoret har ikke kommet i gang ennå.", ""),
}


def add_finding_followups(folder: Path, followup_checklist, seed: int, skip: tuple[str, ...] = ()) -> None:
    """Write each office's follow-up workshop (oppfolging.yaml) with a status for every finding.

    Uses its own random generator, so the reviews drawn before are not changed.
    """
    from kvp_audit.followup import followup_items
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(folder)
    assert not data.errors, data.errors[:3]
    scores = score_round(data)
    rng = random.Random(f"oppfolging-{seed}")
    for office in data.round.offices:
        if office.id in skip:
            continue
        date = data.round.period.end + dt.timedelta(days=90 + rng.randint(0, 40))
        reviewers = sorted(rng.sample(REVIEWERS, 2))
        lines = [HEADER.rstrip("\n"), f"office: {office.id}", f"reviewers: [{', '.join(reviewers)}]",
                 f"date: {date.isoformat()}", f"note: {q(FICTION)}", "answers:"]
        for crit in followup_checklist.criteria():
            lines.append(f"  {crit.id}: {weighted(rng, [('ja', 60), ('delvis', 25), ('nei', 15)])}")
        lines.append("findings:")
        for item in followup_items(data, scores, office.id):
            if rng.random() < 0.1:
                continue  # not discussed at the workshop: stays "ikke fulgt opp"
            status = weighted(rng, [("lukket", 50), ("delvis", 30), ("åpen", 20)])
            action, evidence = ACTIONS[status]
            lines += [f"  {q(item.id)}:", f"    status: {status}", f"    action: {q(action)}"]
            if evidence:
                lines.append(f"    evidence: {q(evidence)}")
            lines.append(f"    date: {date.isoformat()}")
        (folder / office.id / "oppfolging.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def carry_findings(previous: Path, folder: Path, case_checklist, office_checklist) -> None:
    """Append the previous round's open findings to the round file, as 'new round --from' does."""
    from kvp_audit.followup import carried_findings
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round
    from kvp_audit.skeleton import carried_lines

    data = load_round(previous)
    offices = {o.id for o in load_round(folder).round.offices}
    carried = carried_findings(data, score_round(data), case_checklist, office_checklist, offices)
    path = folder / "runde.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(carried_lines(carried)) + "\n", encoding="utf-8")


# The random samples of two 2026 offices, drawn with `kvp-audit sample` before the visit:
# office -> (date, reviewer, seed, {stratum: (population, draw)}). NAV Sørholmen drew by
# group: ongoing programmes, and those that had ended (avsluttet or avbrutt).
SAMPLES = {
    "nav-strandvik": ("2026-02-04", "EL", "5b1e0c9a4d3f2e71", {"alle": (20, 3)}),
    "nav-sorholmen": ("2026-04-08", "ÅS", "c41d7e09a2b35f68", {"pågående": (14, 3), "avsluttet": (9, 2)}),
}


def add_samples(folder: Path) -> None:
    """Write utvalg.yaml for the offices in SAMPLES, and give each case drawn at random its position.

    The positions go to the random cases in key order (by group at NAV Sørholmen: ongoing or
    ended, from the case's status); a case that has its position already is left alone.
    """
    from kvp_audit.models import SampleDraw, SampleRecord, Stratum
    from kvp_audit.sample import ALL, draw_positions, record_text

    for office_id, (date, reviewer, seed, strata) in SAMPLES.items():
        draw = SampleDraw(date=dt.date.fromisoformat(date), reviewer=reviewer, seed=seed, strata=[
            Stratum(name=name, population=n, draw=k, positions=draw_positions(seed, office_id, name, n, k))
            for name, (n, k) in strata.items()])
        (folder / office_id / "utvalg.yaml").write_text(HEADER + record_text(SampleRecord(draws=[draw])),
                                                         encoding="utf-8")
        free = {s.name: list(s.positions) for s in draw.strata}
        for path in sorted((folder / office_id).glob("K-*.yaml")):
            text = path.read_text(encoding="utf-8")
            if "\nselection: tilfeldig\n" not in text or "\nposition: " in text:
                continue
            group = ALL
            if len(strata) > 1:
                group = "pågående" if "\n  status: pågående\n" in text else "avsluttet"
            lines = f"position: {free[group].pop(0)}\n" + ("" if group == ALL else f"stratum: {q(group)}\n")
            path.write_text(text.replace("\nselection: tilfeldig\n", "\nselection: tilfeldig\n" + lines, 1),
                            encoding="utf-8")
# The offices that have sent a plan for retting after their final report (plan.yaml), and the
# office's measure per theme of the checklist (by the criterion's prefix). Roles only, never names.
PLANS = {"nav-fjellby": 3, "nav-sjohavn": 3}  # office: weeks after the report
MEASURES = {
    "SV": "Vedtaksmalen får et felt for konkret begrunnelse; fagleder går gjennom fem vedtak i måneden.",
    "KA": "Kartleggingen følger sjekklisten for KVP, og vurderingen viser til kildene.",
    "IN": "Programmet planlegges for hele året, også feriene, med evalueringstidspunkter i planen.",
    "IP": "Veilederne tilbyr individuell plan og skriver deltakerens svar i saken.",
    "BM": "Deltakeren skriver under på planen, og egenvurderingen brukes ved oppstart.",
    "OP": "Evalueringene legges inn som aktiviteter i aktivitetsplanen med dato.",
    "AV": "Avslutning skjer alltid med vedtak i saksmappen og registrert utfall.",
    "DO": "Samtaler skrives i saksmappen samme uke; Gosys brukes bare til journal.",
    "KR": "Rutinene oppdateres etter gjeldende rundskriv og gjennomgås på fagmøte.",
    "KK": "Nye veiledere får opplæring i KVP de første tre månedene.",
    "KS": "Samarbeidet med kommunen og spesialisthelsetjenesten avtales skriftlig.",
    "KL": "Måltallet gjennomgås på hvert fagmøte.",
}
RESPONSIBLE = ["NAV-leder", "fagleder", "KVP-koordinator", "avdelingsleder"]


def add_plans(folder: Path) -> None:
    """Write the plan for retting (plan.yaml) of the offices in PLANS: one item per avvik of the
    round, the first closed with evidence, the second partly, the rest open."""
    from kvp_audit.load import load_round
    from kvp_audit.scoring import score_round

    data = load_round(folder)
    scores = score_round(data)
    for office_id, weeks in PLANS.items():
        report = data.reports[office_id]
        received = report.date + dt.timedelta(weeks=weeks)
        lines = [HEADER.rstrip("\n"), "# Kontorets plan for retting, mottatt etter endelig rapport.",
                 f"received: {received.isoformat()}", "items:"]
        avvik = [f for f in scores.offices[office_id].findings if f.kind == "avvik"]
        for i, f in enumerate(avvik):
            due = received + dt.timedelta(weeks=8 + 4 * (i % 3))
            status = "lukket" if i == 0 else "delvis" if i == 1 else "åpen"
            lines += [f"  {q(f.id)}:", f"    measure: {q(MEASURES.get(f.criterion[:2], 'Kontoret lager en rutine.'))}",
                      f"    responsible: {q(RESPONSIBLE[i % len(RESPONSIBLE)])}", f"    due: {due.isoformat()}",
                      f"    status: {status}"]
            if status != "åpen":
                checked = received + dt.timedelta(weeks=10)
                lines += [f"    evidence: {q('Ny rutine og stikkprøve av tre saker.' if status == 'lukket' else 'Ny rutine; ikke tatt i bruk i alle saker ennå.')}",
                          f"    checked: {checked.isoformat()}"]
        (folder / office_id / "plan.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def checklists():
    """The bundled checklists the examples use."""
    def load(path):
        checklist, problems = load_checklist(ROOT / "checklists" / path)
        if checklist is None:
            raise SystemExit("\n".join(p.format() for p in problems))
        return checklist

    return (load("arkiv/kvp-sak-2024.1.yaml"), load("arkiv/kvp-sak-2026.1.yaml"), load("kvp-kontor.yaml"),
            load("kvp-oppfolging.yaml"))


def main() -> None:
    sak_2024, sak_2026, kontor, oppfolging = checklists()
    base = ROOT / "examples" / "fiktivfylke"
    make_round(base / "2022", 2022, OFFICES_2024[:8], sak_2024, kontor, oppfolging, seed=2022)
    make_round(base / "2024", 2024, OFFICES_2024, sak_2024, kontor, oppfolging, seed=2024, previous="../2022")
    # the follow-up workshops of 2024 (NAV Vidda was not followed up), then the 2026 round
    # made from 2024 with the findings that were not closed carried over
    add_finding_followups(base / "2024", oppfolging, seed=2024, skip=("nav-vidda",))
    make_round(base / "2026", 2026, OFFICES_2026, sak_2026, kontor, oppfolging, seed=2026, previous="../2024")
    carry_findings(base / "2024", base / "2026", sak_2026, kontor)
    add_samples(base / "2026")
    add_plans(base / "2026")
    print(f"skrev {base.relative_to(ROOT)}/2022, 2024 og 2026")


if __name__ == "__main__":
    main()
