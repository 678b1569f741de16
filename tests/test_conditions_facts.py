"""Computed facts and the missing-fact warning on the bundled case checklist kvp-sak@2026.2:
``validate`` (pinned, and --strict), scoring, the case form, and old rounds on 2026.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main
from kvp_audit.load import bundled_checklist_dir, library_for, load_round
from kvp_audit.scoring import score_round

REPO = Path(__file__).resolve().parent.parent
CASE = "K-7QX2M4"
FACTS = """\
  status: pågående
  startdato: 2026-01-10
  varighet_mnd: 12
  har_barn: false
  under_25: false
  behov_ip: false
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def round_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    result = run("new", "round", "runde", "--name", "Prøve", "--county", "Prøvefylke", "--office", "nav-a=NAV A",
                 "--start", "2026-07-01", "--end", "2026-12-31")
    assert result.exit_code == 0, result.output
    return Path("runde")


def write_case(round_dir: Path, facts: str = FACTS, date: str = "2026-09-15", answers: str = "  IN-04: nei\n") -> Path:
    path = round_dir / "nav-a" / f"{CASE}.yaml"
    path.write_text(f"case: {CASE}\noffice: nav-a\nreviewers: [KB]\ndate: {date}\nfacts:\n{facts}answers:\n{answers}",
                    encoding="utf-8")
    return path


def outcomes(round_dir: Path) -> dict[str, str]:
    result = run("score", str(round_dir), "--format", "json")
    return json.loads(result.stdout)["offices"][0]["case_outcomes"][CASE]


def test_new_round_uses_the_newest_case_checklist(round_dir):
    assert "  case: kvp-sak@2026.2\n" in (round_dir / "runde.yaml").read_text(encoding="utf-8")


def test_a_missing_fact_warns_for_each_criterion_it_makes_applicable(round_dir):
    write_case(round_dir, FACTS.replace("  har_barn: false\n", ""))
    result = run("validate", "runde")
    warning = ("runde/nav-a/K-7QX2M4.yaml:5:1: advarsel: facts.har_barn: kriteriet {id} regnes som aktuelt bare fordi "
               "faktumet 'har_barn' mangler (har_barn)\n"
               "    Gjør slik: fyll inn har_barn: Har deltakeren barn under 18 år?\n")
    assert warning.format(id="IN-07") in result.output
    assert warning.format(id="DO-03") in result.output
    assert result.exit_code == 0
    strict = run("validate", "--strict", "runde")
    assert strict.exit_code == 1
    assert warning.format(id="IN-07") in strict.output
    # The criterion still counts as applicable: unanswered, not "ikke aktuelt".
    assert outcomes(round_dir)["IN-07"] == "ubesvart"


def test_a_recorded_fact_gives_no_warning(round_dir):
    write_case(round_dir)
    assert "regnes som aktuelt" not in run("validate", "runde").output


def test_a_fact_a_computed_fact_needs_is_named_when_it_is_missing(round_dir):
    write_case(round_dir, FACTS.replace("  varighet_mnd: 12\n", ""))
    output = run("validate", "runde").output
    assert ("runde/nav-a/K-7QX2M4.yaml:5:1: advarsel: facts.varighet_mnd: kriteriet IN-04 regnes som aktuelt bare fordi "
            "faktumet 'varighet_mnd' mangler (forbi_halvveis)\n"
            "    Gjør slik: fyll inn varighet_mnd: Programmets varighet i vedtaket, i måneder\n") in output


@pytest.mark.parametrize(("date", "in04", "in09"), [
    ("2026-06-09", "ikke aktuelt", "ikke aktuelt"),   # 4 whole months of 12: not halfway
    ("2026-07-10", "ikke oppfylt", "ikke aktuelt"),  # 6 months: halfway, 6 left
    ("2026-10-10", "ikke oppfylt", "ubesvart"),      # 9 months: 3 left, the closing part
])
def test_computed_facts_decide_what_applies_from_the_review_date(round_dir, date, in04, in09):
    write_case(round_dir, date=date)
    found = outcomes(round_dir)
    assert (found["IN-04"], found["IN-09"]) == (in04, in09)


def test_a_computed_fact_written_in_the_file_is_ignored_with_a_warning(round_dir):
    write_case(round_dir, FACTS + "  forbi_halvveis: false\n", date="2026-10-10")
    result = run("validate", "runde")
    # then what is not filled in yet (the case's other answers, kontor.yaml), pinned in tests/test_completeness.py
    assert result.output.startswith(
        "runde/nav-a/K-7QX2M4.yaml:12:3: advarsel: facts.forbi_halvveis: faktumet 'forbi_halvveis' beregnes av "
        "verktøyet (months_between(startdato, review_date) >= varighet_mnd / 2); verdien i filen brukes ikke\n"
        "    Gjør slik: fjern linjen forbi_halvveis: fra filen\n"
        "runde/nav-a/K-7QX2M4.yaml:13:1: advarsel: answers: 30 av 31 gjeldende kriterier er ikke besvart\n")
    assert result.output.endswith("0 feil, 4 advarsler\n")
    assert outcomes(round_dir)["IN-04"] == "ikke oppfylt"  # the computed value (true) wins


def test_the_skeleton_names_computed_facts_but_asks_for_none(round_dir):
    result = run("new", "case", "runde", "nav-a", "--reviewer", "KB")
    assert result.exit_code == 0, result.output
    text = next((round_dir / "nav-a").glob("K-*.yaml")).read_text(encoding="utf-8")
    assert "  # mnd_igjen: beregnes av verktøyet (varighet_mnd - months_between(startdato, review_date))\n" in text
    assert "\n  mnd_igjen:" not in text and "\n  varighet_mnd:  # " in text


def test_the_case_form_shows_computed_facts_and_no_input_for_them(round_dir):
    pytest.importorskip("flask")
    from kvp_audit.web.app import create_app

    write_case(round_dir, date="2026-10-10")
    app = create_app(round_dir.resolve(), reports_dir=round_dir.resolve().parent / "rapporter", report_formats=("html",))
    app.config["TESTING"] = True
    page = app.test_client().get(f"/kontor/nav-a/sak/{CASE}").get_data(as_text=True)
    assert 'name="fact.forbi_halvveis"' not in page and 'name="fact.mnd_igjen"' not in page
    assert 'name="fact.varighet_mnd"' in page
    assert ('<strong id="f-fact.mnd_igjen-label">Måneder igjen av programperioden (beregnet)</strong>: '
            '<output id="f-fact.mnd_igjen" aria-labelledby="f-fact.mnd_igjen-label" '
            'aria-describedby="f-fact.mnd_igjen-note">3</output>') in page
    assert ">Ja</output>" in page  # forbi_halvveis
    assert "Beregnes av verktøyet fra startdato, varighet_mnd og gjennomgangsdatoen; fylles ikke inn." in page


def test_the_form_says_what_is_missing_when_a_fact_cannot_be_computed(round_dir):
    pytest.importorskip("flask")
    from kvp_audit.web.app import create_app

    write_case(round_dir, FACTS.replace("  varighet_mnd: 12\n", ""))
    app = create_app(round_dir.resolve(), reports_dir=round_dir.resolve().parent / "rapporter", report_formats=("html",))
    app.config["TESTING"] = True
    page = app.test_client().get(f"/kontor/nav-a/sak/{CASE}").get_data(as_text=True)
    assert ">Kan ikke beregnes ennå: fyll inn startdato, varighet_mnd</output>" in page


def test_version_2026_1_is_archived_and_old_rounds_keep_it():
    library = library_for()
    assert library.newest("kvp-sak") == "kvp-sak@2026.2"
    assert library.refs()["kvp-sak@2026.1"] == bundled_checklist_dir() / "arkiv" / "kvp-sak-2026.1.yaml"
    data = load_round(REPO / "examples" / "fiktivfylke" / "2026")
    assert data.case_checklist.ref == "kvp-sak@2026.1"
    assert not any(f.compute for f in data.case_checklist.facts.values())


def test_2026_2_links_every_criterion_to_2026_1():
    library = library_for()
    old, _ = library.get("kvp-sak@2026.1")
    new, _ = library.get("kvp-sak@2026.2")
    gone = set(old.criterion_map()) - set(new.criterion_map())
    assert gone == {"IN-05"}
    assert new.criterion_map()["IN-09"].replaces == ["IN-05"]
    assert set(new.facts) - set(old.facts) == {"varighet_mnd", "mnd_igjen"}
    assert new.facts["forbi_halvveis"].compute and new.facts["mnd_igjen"].compute


def test_the_case_form_with_computed_facts_in_a_browser_is_axe_clean(round_dir, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    import os
    import threading

    from kvp_audit.web.server import make_server, url_of

    chromium = Path(os.environ.get("KVP_CHROMIUM", "/usr/bin/chromium"))
    axe = Path(os.environ.get("KVP_AXE_JS", Path(__file__).parent / ".cache" / "node_modules" / "axe-core" / "axe.min.js"))
    if not chromium.is_file() or not axe.is_file():
        pytest.skip("Chromium or axe-core is not installed")
    write_case(round_dir, FACTS + "  mnd_igjen: 99\n", date="2026-10-10")
    srv = make_server(round_dir.resolve(), "127.0.0.1", 0, reports_dir=tmp_path / "rapporter")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
            page = browser.new_context(locale="nb-NO", bypass_csp=True).new_page()
            page.goto(url_of(srv, "127.0.0.1").rstrip("/") + f"/kontor/nav-a/sak/{CASE}")
            computed = page.locator(".field.computed")
            assert computed.count() == 2
            assert page.locator("#f-fact\\.mnd_igjen").inner_text() == "3"  # the file's 99 is not used
            assert computed.locator("input, select, textarea").count() == 0
            assert "verdien i filen brukes ikke" in computed.nth(1).inner_text()
            page.add_script_tag(path=str(axe))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            assert [v["id"] for v in result["violations"]] == []
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_condition_that_divides_by_a_fact_that_is_zero_warns_and_counts_as_applicable(round_dir):
    (round_dir / "checklists").mkdir(exist_ok=True)
    (round_dir / "checklists" / "del.yaml").write_text("""\
id: del-sak
title: Deling
version: "1"
scope: case
facts:
  timer: {type: number}
  uker: {type: number}
themes:
  - id: t
    title: T
    criteria:
      - id: T-01
        question: "Er det minst 37 timer i uka?"
        severity: anbefaling
        recommendation: Kontoret bør planlegge hele uker.
        applies_when: "timer / uker < 37"
""", encoding="utf-8")
    round_file = round_dir / "runde.yaml"
    round_file.write_text(round_file.read_text(encoding="utf-8").replace("case: kvp-sak@2026.2", "case: del-sak@1"),
                          encoding="utf-8")
    write_case(round_dir, "  timer: 100\n  uker: 0\n", answers="  T-01: nei\n")
    result = run("validate", "runde")
    assert ("runde/nav-a/K-7QX2M4.yaml:5:1: advarsel: facts: kriteriet T-01 regnes som aktuelt fordi betingelsen "
            "ikke kan avgjøres for saken: deling på null: uker er 0 (timer / uker < 37)\n"
            "    Gjør slik: sjekk faktaene betingelsen bruker\n") in result.output
    assert run("validate", "--strict", "runde").exit_code == 1
    assert outcomes(round_dir)["T-01"] == "ikke oppfylt"
