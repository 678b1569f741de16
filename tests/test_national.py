"""The national summary: several counties' rounds of one period, by county and theme.

Two hand-worked counties (fictional): Nordfylke on mini-sak@1.0 with two offices and five
cases, Sørfylke on mini-sak@2.0 (V-01 renamed V-10, ``replaces: [V-01]``) with one office and
two cases; both with a one-criterion office review (R-01, krav). The expected figures are
worked out by hand in the comments.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from figurerule import contradictions
from kvp_audit.cli import main
from kvp_audit.report.national import build_national, is_national, load_counties, national_context, national_sets

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent

OFFICE_CHECKLIST = """\
# Liten kontorsjekkliste for testene. Fiktive data.
id: mini-kontor
title: Mini kontorvurdering
version: "1.0"
scope: office
themes:
  - id: rutiner
    title: Rutiner
    criteria:
      - id: R-01
        question: Har kontoret skriftlige rutiner?
        legal_basis: sotjl. § 5
        severity: krav
        recommendation: Lag skriftlige rutiner.
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _round(root: Path, rid: str, county: str, start: str, end: str, case_ref: str, offices: list[tuple[str, str]],
           summary: str = "") -> None:
    lines = [f"id: {rid}", "name: Testrunde 2026", f"county: {county}", f"period: {{start: {start}, end: {end}}}",
             "checklists:", f"  case: {case_ref}", "  office: mini-kontor@1.0", "offices:"]
    lines += [f"  - {{id: {oid}, name: {name}}}" for oid, name in offices]
    if summary:
        lines += ["report:", "  summary:", f"    status: {summary}", "    date: 2026-07-01"]
    _write(root / "runde.yaml", "\n".join(lines) + "\n")
    _write(root / "checklists" / "mini-kontor.yaml", OFFICE_CHECKLIST)


def _case(root: Path, office: str, key: str, status: str, har_barn: bool, answers: dict) -> None:
    lines = [f"case: {key}", f"office: {office}", "reviewers: [KB]", "date: 2026-03-02", "facts:",
             f"  status: {status}", f"  har_barn: {'true' if har_barn else 'false'}", "answers:"]
    lines += [f"  {cid}: {value}" for cid, value in answers.items()]
    _write(root / office / f"{key}.yaml", "\n".join(lines) + "\n")


def _office(root: Path, office: str, answer: str) -> None:
    _write(root / office / "kontor.yaml", f"office: {office}\nreviewers: [KB]\nvisit_dates: [2026-03-02]\n"
                                          f"answers:\n  R-01: {answer}\n")


def make_nordfylke(root: Path, summary: str = "utkast") -> Path:
    """Nordfylke, mini-sak@1.0. nav-a: V-01 ja/delvis/ja, V-02 ja/ja/nei, A-01 nei (K-A1) and ja
    (K-A3), R-01 nei. nav-b: V-01 delvis/ja, V-02 ja/ja, A-02 nei (K-B2 has children), R-01 ja."""
    _round(root, "nord-2026", "Nordfylke", "2026-01-01", "2026-06-30", "mini-sak@1.0",
           [("nav-a", "NAV A"), ("nav-b", "NAV B")], summary)
    shutil.copy(FIXTURES / "mini-sak.yaml", root / "checklists" / "mini-sak.yaml")
    _case(root, "nav-a", "K-AAAAA1", "avsluttet", False, {"V-01": "ja", "V-02": "ja", "A-01": "nei"})
    _case(root, "nav-a", "K-AAAAA2", "pågående", False, {"V-01": "delvis", "V-02": "ja"})
    _case(root, "nav-a", "K-AAAAA3", "avsluttet", False, {"V-01": "ja", "V-02": "nei", "A-01": "ja"})
    _case(root, "nav-b", "K-BBBBB1", "pågående", False, {"V-01": "delvis", "V-02": "ja"})
    _case(root, "nav-b", "K-BBBBB2", "pågående", True, {"V-01": "ja", "V-02": "ja", "A-02": "nei"})
    _office(root, "nav-a", "nei")
    _office(root, "nav-b", "ja")
    return root


def make_sorfylke(root: Path, county: str = "Sørfylke", start: str = "2026-03-01", end: str = "2026-09-30") -> Path:
    """Sørfylke, mini-sak@2.0 (V-10 replaces V-01). nav-c: V-10 nei/ja, V-02 ja/delvis, R-01 delvis."""
    _round(root, "sor-2026", county, start, end, "mini-sak@2.0", [("nav-c", "NAV C")], "endelig")
    text = (FIXTURES / "mini-sak.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1.0"', 'version: "2.0"').replace(
        "      - id: V-01\n", "      - id: V-10\n        replaces: [V-01]\n")
    _write(root / "checklists" / "mini-sak.yaml", text)
    _case(root, "nav-c", "K-CCCCC1", "pågående", False, {"V-10": "nei", "V-02": "ja"})
    _case(root, "nav-c", "K-CCCCC2", "pågående", False, {"V-10": "ja", "V-02": "delvis"})
    _office(root, "nav-c", "delvis")
    return root


@pytest.fixture
def two_counties(tmp_path) -> tuple[Path, Path]:
    return make_nordfylke(tmp_path / "nasjonal" / "nord"), make_sorfylke(tmp_path / "nasjonal" / "sor")


def run(*args):
    return CliRunner().invoke(main, list(args))


def context(paths):
    counties, warnings = load_counties(list(paths))
    assert warnings == []
    return national_context(counties, "nb")


# --------------------------------------------------------------------------- the tables, cell by cell


def test_counties_side_by_side(two_counties):
    ctx = context(two_counties)
    # Nordfylke: nav-a avvik V-01, A-01, R-01 and merknad V-02; nav-b avvik V-01, A-02 (V-02 is god praksis).
    # Sørfylke: nav-c avvik V-10, R-01 and merknad V-02.
    assert [(r["county"], r["n_offices"], r["n_cases"], r["avvik"], r["merknad"], r["offices_with_avvik"],
             r["status"]["label"]) for r in ctx["counties"]] == [
        ("Nordfylke", 2, 5, 5, 1, 2, "utkast"), ("Sørfylke", 1, 2, 2, 1, 1, "endelig")]
    assert ctx["total"] == {"n_offices": 3, "n_cases": 7, "avvik": 7, "merknad": 2, "offices_with_avvik": 3}
    assert ctx["drafts"] == 1
    assert (ctx["n_counties"], ctx["period"], ctx["report_date"]) == (
        2, {"start": "1. januar 2026", "end": "30. september 2026"}, "1. juli 2026")


def test_theme_by_county_cell_by_cell(two_counties):
    ctx = context(two_counties)
    # vedtak: Nordfylke V-01 3 of 5 met, V-02 4 of 5: 7 of 10 in 5 cases (70 %, under 75 %: band-lo);
    # Sørfylke V-10 1 of 2, V-02 1 of 2: 2 of 4 in 2 cases (no share, no colour); together 9 of 14 in 7 cases.
    # avslutning: Nordfylke A-01 1 of 2, A-02 0 of 1 (3 cases); Sørfylke nothing applied.
    assert [(row["title"], [(c["text"], c["band"]) for c in row["cells"]], (row["total"]["text"], row["total"]["band"]))
            for row in ctx["matrix"]] == [
        ("Søknad og vedtak", [("70\u00a0% (7 av 10)", "band-lo"), ("2 av 4", "")], ("64\u00a0% (9 av 14)", "band-lo")),
        ("Avslutning", [("1 av 3", ""), ("ingen vurdert", "")], ("1 av 3", "")),
    ]


def test_criteria_most_often_not_met(two_counties):
    ctx = context(two_counties)
    # V-10 (V-01 in Nordfylke): only delvis at nav-a and nav-b, nei at nav-c. V-02: nei at nav-a,
    # delvis at nav-c. R-01 (office review): nei at nav-a, delvis at nav-c. A-01: nei at nav-a
    # (applies in 2 cases). A-02: nei at nav-b (1 case). Most offices with a finding first.
    rows = [(f["id"], f["level"], f["offices_not_met"], f["offices_partly"], f["offices_assessed"], f["counties_text"],
             f["cases_text"]) for f in ctx["failing"]["rows"]]
    assert rows == [
        ("V-10", "sak", 1, 2, 3, "2 av 2", "1 ikke oppfylt og 2 delvis av 7"),
        ("V-02", "sak", 1, 1, 3, "2 av 2", "1 ikke oppfylt og 1 delvis av 7"),
        ("R-01", "kontor", 1, 1, 3, "2 av 2", "kontorvurdering"),
        ("A-01", "sak", 1, 0, 1, "1 av 1", "1 ikke oppfylt og 0 delvis av 2"),
        ("A-02", "sak", 1, 0, 1, "1 av 1", "1 ikke oppfylt og 0 delvis av 1"),
    ]
    assert (ctx["failing"]["more"], ctx["failing"]["total"]) == (0, 5)


def test_the_same_case_key_in_two_counties_is_two_cases(tmp_path):
    # Three counties with the same round id and the same five case keys (keys are drawn per round):
    # vedtak 7 + 7 + 7 of 10 + 10 + 10 in 15 cases; avslutning 1 + 1 + 1 of 3 + 3 + 3 in 9 cases, so
    # the sum has its share (33 %) and colour, which no county's 3 cases have.
    rounds = []
    for name in ("Nordfylke", "Vestfylke", "Austfylke"):
        root = make_nordfylke(tmp_path / name)
        (root / "runde.yaml").write_text((root / "runde.yaml").read_text(encoding="utf-8").replace(
            "Nordfylke", name), encoding="utf-8")
        rounds.append(root)
    matrix = context(rounds)["matrix"]
    assert [(row["title"], row["total"]["text"]) for row in matrix] == [
        ("Søknad og vedtak", "70\u00a0% (21 av 30)"), ("Avslutning", "33\u00a0% (3 av 9)")]
    assert [cell["text"] for cell in matrix[1]["cells"]] == ["1 av 3"] * 3
    assert matrix[1]["total"]["band"] == "band-lo"


def test_method_names_the_rounds_and_their_checklist_versions(two_counties):
    method = context(two_counties)["method"]
    assert [(r["county"], r["id"], r["period"], r["case_checklist"], r["office_checklist"], r["status"])
            for r in method["rounds"]] == [
        ("Nordfylke", "nord-2026", "1. januar 2026 – 30. juni 2026", "mini-sak@1.0", "mini-kontor@1.0", "utkast"),
        ("Sørfylke", "sor-2026", "1. mars 2026 – 30. september 2026", "mini-sak@2.0", "mini-kontor@1.0", "endelig")]
    assert method["matching"] == (
        "Rundene bruker ulike versjoner av sjekklisten. Temaene er stilt sammen etter temaets id, og kriteriene "
        "etter id og «replaces» mot den nyeste versjonen, mini-sak@2.0; et kriterium uten kobling telles ikke for "
        "fylket som ikke har det.")
    assert method["versions"] == [
        "mini-sak@1.0 (Nordfylke) er stilt sammen med mini-sak@2.0. Kriterier med ny id: V-10 ← V-01 (nytt navn)."]


def test_one_checklist_version_is_said_in_one_line(tmp_path):
    nord = make_nordfylke(tmp_path / "nord")
    other = make_nordfylke(tmp_path / "vest")
    text = (other / "runde.yaml").read_text(encoding="utf-8").replace("Nordfylke", "Vestfylke")
    (other / "runde.yaml").write_text(text, encoding="utf-8")
    method = context([nord, other])["method"]
    assert method["matching"] == "Alle rundene bruker mini-sak@1.0."
    assert method["versions"] == []


def test_a_county_without_a_summary_status_says_not_given(tmp_path):
    nord = make_nordfylke(tmp_path / "nord", summary="")
    ctx = context([nord, make_sorfylke(tmp_path / "sor")])
    assert [r["status"]["label"] for r in ctx["counties"]] == ["ikke oppgitt", "endelig"]
    assert ctx["drafts"] == 0


# --------------------------------------------------------------------------- the command


def test_report_with_two_rounds_writes_the_national_summary(two_counties, tmp_path):
    result = run("report", *map(str, two_counties), "--format", "html,md")
    assert result.exit_code == 0, result.output
    assert result.output == "skrev reports/nasjonal-2026/nasjonal.html\nskrev reports/nasjonal-2026/nasjonal.md\n"
    again = run("report", *map(str, two_counties), "--format", "html,md")
    assert again.output == "2 rapporter er uendret og ble ikke skrevet på nytt\n"


def test_a_folder_of_rounds_is_the_national_summary(two_counties, tmp_path):
    folder = two_counties[0].parent
    assert is_national([folder]) and not is_national([two_counties[0]])
    result = run("report", str(folder), "--out", "ut", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output == "skrev ut/nasjonal.md\n"


def test_a_round_file_and_a_round_given_twice_count_once(two_counties):
    nord, sor = two_counties
    result = run("report", str(nord / "runde.yaml"), str(sor), str(nord.parent), "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output == "skrev reports/nasjonal-2026/nasjonal.md\n"


def test_same_county_twice_is_a_usage_error_naming_both(tmp_path):
    first = make_nordfylke(tmp_path / "a")
    second = make_nordfylke(tmp_path / "b")
    result = run("report", str(first), str(second), "--format", "md")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: a og b er begge fra Nordfylke; den nasjonale oppsummeringen tar én runde "
                             "per fylke\n")


def test_periods_that_do_not_overlap_are_a_usage_error(tmp_path):
    nord = make_nordfylke(tmp_path / "nord")
    sor = make_sorfylke(tmp_path / "sor", start="2024-01-01", end="2024-06-30")
    result = run("report", str(nord), str(sor), "--format", "md")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: periodene til sor (2024-01-01 – 2024-06-30) og nord (2026-01-01 – "
                             "2026-06-30) overlapper ikke; den nasjonale oppsummeringen gjelder runder fra samme "
                             "periode\n")


def test_a_round_with_errors_is_refused_with_the_validate_messages(two_counties):
    nord, sor = two_counties
    (sor / "nav-c" / "K-CCCCC1.yaml").write_text(
        (sor / "nav-c" / "K-CCCCC1.yaml").read_text(encoding="utf-8").replace("V-10: nei", "V-10: kanskje"),
        encoding="utf-8")
    result = run("report", str(nord), str(sor), "--format", "md")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "nasjonal/sor/nav-c/K-CCCCC1.yaml:9:9: feil: answers.V-10: 'kanskje' er ikke et gyldig svar"
    validate = run("validate", str(sor))
    assert validate.exit_code == 1
    assert lines[:-1] == validate.output.splitlines()[:-1]  # the same problems; validate ends with its count
    assert lines[-1] == ("kvp-audit: 1 runde har feil (nasjonal/sor); rett den (se 'kvp-audit validate') før den "
                         "nasjonale oppsummeringen lages")
    assert not Path("reports").exists()


def test_office_is_refused_for_the_national_summary(two_counties):
    result = run("report", *map(str, two_counties), "--office", "nav-a")
    assert result.exit_code == 2
    assert "--office gjelder rapportene i én runde, ikke den nasjonale oppsummeringen" in result.output


def test_a_folder_with_one_round_below_it_needs_another(tmp_path):
    make_nordfylke(tmp_path / "bare" / "nord")
    result = run("report", "bare", "--format", "md")
    assert result.exit_code == 2
    assert result.output == ("kvp-audit: den nasjonale oppsummeringen trenger runder fra minst to fylker; fant bare "
                             "bare/nord\n")


def test_a_path_that_is_no_round_says_so(two_counties, tmp_path):
    (tmp_path / "tom").mkdir()
    result = run("report", str(two_counties[0]), "tom", "--format", "md")
    assert result.exit_code == 2
    assert result.output.startswith("kvp-audit: 'tom' er ikke en runde: fant ikke runde.yaml")


# --------------------------------------------------------------------------- the rendered reports


def _headings(html: str, md: str) -> tuple[list[str], list[str]]:
    html_heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)]
    md_heads = [line.lstrip("#").strip() for line in md.splitlines() if re.match(r"#{1,3} ", line)]
    return html_heads, md_heads


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_html_and_markdown_have_the_same_headings_and_keep_the_figure_rule(two_counties, tmp_path, lang):
    result = build_national(list(two_counties), out=tmp_path / "ut", formats=["html", "md"], lang=lang)
    suffix = "" if lang == "nb" else f".{lang}"
    html = (tmp_path / "ut" / f"nasjonal{suffix}.html").read_text(encoding="utf-8")
    md = (tmp_path / "ut" / f"nasjonal{suffix}.md").read_text(encoding="utf-8")
    assert len(result.written) == 2
    html_heads, md_heads = _headings(html, md)
    assert html_heads == md_heads
    assert len(html_heads) == 5
    assert contradictions(html) == [] and contradictions(md) == []


def test_the_pinned_texts(two_counties, tmp_path):
    build_national(list(two_counties), out=tmp_path / "ut", formats=["html", "md"])
    html = (tmp_path / "ut" / "nasjonal.html").read_text(encoding="utf-8")
    md = (tmp_path / "ut" / "nasjonal.md").read_text(encoding="utf-8")
    assert _headings(html, md)[1] == [
        "Nasjonal oppsummering av kvalitetsinnsyn i kvalifiseringsprogrammet", "Fylkene side om side",
        "Kriteriene som oftest ikke er oppfylt", "Fylkene per tema", "Vedlegg: Metode og beregning"]
    assert "<title>Nasjonal oppsummering 2026</title>" in html
    assert "| Nordfylke | 2 | 5 | 5 | 1 | 2 av 2 | utkast |" in md
    assert "| Sørfylke | 1 | 2 | 2 | 1 | 1 av 1 | endelig |" in md
    assert "| **Alle fylkene** | 3 | 7 | 7 | 2 | 3 av 3 | |" in md
    assert "| Søknad og vedtak | 70\u00a0% (7 av 10) | 2 av 4 | **64\u00a0% (9 av 14)** |" in md
    assert "| Avslutning | 1 av 3 | ingen vurdert | **1 av 3** |" in md
    assert "| R-01: Har kontoret skriftlige rutiner? | 1 | 1 | 3 | 2 av 2 | kontorvurdering |" in md
    assert "1 av 2 fylkesoppsummeringer er et utkast; tallene kan endres før den er endelig." in md
    # the colour is never the only carrier: the value is in the cell, and the legend names every colour
    assert '<td class="band-lo">70\u00a0% (7 av 10)</td>' in html
    for label in ("grønn: minst 90 % oppfylt", "gul: 75–89 % oppfylt", "rød: under 75 % oppfylt",
                  "uten farge: færre enn 5 saker, eller ingen vurdert"):
        assert label in html
    # headers break between words only
    assert "word-break: break-all" not in html
    assert "hyphens: manual; word-break: normal; overflow-wrap: normal;" in html


def test_docx_of_the_national_summary(two_counties, tmp_path):
    result = build_national(list(two_counties), out=tmp_path / "ut", formats=["docx"])
    assert [p.name for p in result.written] == ["nasjonal.docx"]
    import docx

    document = docx.Document(str(tmp_path / "ut" / "nasjonal.docx"))
    assert document.core_properties.title == "Nasjonal oppsummering 2026"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["Nasjonal oppsummering av kvalitetsinnsyn i kvalifiseringsprogrammet", "Fylkene side om side",
                        "Kriteriene som oftest ikke er oppfylt", "Fylkene per tema", "Vedlegg: Metode og beregning"]


# --------------------------------------------------------------------------- the examples and the demo


def test_the_example_2026_rounds_make_one_national_set():
    from kvp_audit.load import load_round_file
    from kvp_audit.report import example_rounds

    rounds = [(p, load_round_file(p / "runde.yaml")[0]) for p in example_rounds()]
    sets = national_sets(rounds)
    assert [(year, [str(p.relative_to(REPO / "examples")) for p in paths]) for year, paths in sets] == [
        (2026, ["diktfylke/2026", "fiktivfylke/2026"])]


def test_the_second_example_county_is_made_by_its_script(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_diktfylke", REPO / "examples" / "make_diktfylke.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_round(tmp_path / "2026")
    made = sorted(p.relative_to(tmp_path / "2026") for p in (tmp_path / "2026").rglob("*.yaml"))
    bundled = REPO / "examples" / "diktfylke" / "2026"
    assert made == sorted(p.relative_to(bundled) for p in bundled.rglob("*.yaml"))
    for path in made:
        assert (tmp_path / "2026" / path).read_bytes() == (bundled / path).read_bytes(), path
