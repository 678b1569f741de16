"""The course of a round: steps and deadlines per office, `kvp-audit status` and `kvp-audit step`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvp_audit.cli import main

REPO = Path(__file__).resolve().parent.parent

ROUND = """\
id: test-2026
name: Testrunde 2026
county: Fiktivfylke
period: {start: 2026-01-01, end: 2026-06-30}
checklists:
  case: mini-sak@1.0
offices:
  - {id: nav-a, name: NAV A}
  - {id: nav-b, name: NAV B}
  - {id: nav-c, name: NAV C}
  - {id: nav-d, name: NAV D}
  - {id: nav-e, name: NAV E}
report:
  course: {comments_weeks: 2, plan_weeks: 4}
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def course_round(round_builder):
    """Five offices at different steps; as of 2026-04-15:

    NAV A: notice and visit only                         -> next step utkast sendt, nothing due
    NAV B: draft sent 2026-03-02, no comments            -> comments due 2026-03-16 (2 weeks): 30 days over
    NAV C: final sent 2026-03-13, no plan                -> plan due 2026-04-10 (4 weeks): 5 days over
    NAV D: plan came 2026-03-18; plan.yaml: V-01 due 2026-04-01 åpen (14 days over), V-02 due
           2026-04-30 åpen (the next deadline), A-02 due 2026-03-01 lukket 2026-03-25 (met)
    NAV E: closed 2026-04-01: nothing is due any more
    """
    b = round_builder
    b.write("runde.yaml", ROUND)
    for office in ("nav-c", "nav-d", "nav-e"):
        (b.root / office).mkdir(exist_ok=True)
    b.case("nav-d", "K-DDDDD1", {"V-01": "nei", "V-02": "delvis", "A-02": "delvis"}, har_barn=True)
    b.write("nav-a/rapport.yaml", """\
        status: utkast   # kept
        course:
          notice_sent: 2026-02-01
          visit: 2026-03-02
        """)
    b.write("nav-b/rapport.yaml", """\
        status: utkast
        course: {notice_sent: 2026-01-15, visit: 2026-02-10, draft_sent: 2026-03-02}
        """)
    b.write("nav-c/rapport.yaml", """\
        status: endelig
        course:
          notice_sent: 2026-01-10
          visit: 2026-02-03
          draft_sent: 2026-02-20
          comments_deadline: 2026-03-10
          comments_received: 2026-03-06
          final_sent: 2026-03-13
        """)
    b.write("nav-d/rapport.yaml", """\
        status: endelig
        course:
          visit: 2026-01-20
          draft_sent: 2026-02-01
          comments_received: 2026-02-10
          final_sent: 2026-02-16
          plan_deadline: 2026-03-20
          plan_received: 2026-03-18
        """)
    b.write("nav-d/plan.yaml", """\
        received: 2026-03-18
        items:
          test-2026/nav-d/V-01: {measure: Ny rutine for vedtak., responsible: NAV-leder, due: 2026-04-01}
          test-2026/nav-d/V-02: {measure: Maler for begrunnelse., responsible: KB, due: 2026-04-30, status: delvis}
          test-2026/nav-d/A-02: {measure: Sjekkliste for barn., responsible: NAV-leder, due: 2026-03-01,
                                 status: lukket, evidence: Sjekklisten er i bruk., checked: 2026-03-25}
        """)
    b.write("nav-e/rapport.yaml", """\
        status: endelig
        course: {visit: 2026-01-05, draft_sent: 2026-01-20, final_sent: 2026-02-10, closed: 2026-04-01}
        """)
    return b


TABLE = """\
Forløpet i Testrunde 2026 per 2026-04-15

Kontor  Står ved                             Neste steg                Neste frist                       Forfalt
------  -----------------------------------  ------------------------  --------------------------------  -------
NAV A   besøk 2026-03-02                     utkast sendt              –                                       0
NAV B   utkast sendt 2026-03-02              merknader mottatt         –                                       1
NAV C   endelig rapport sendt 2026-03-13     plan for retting mottatt  –                                       1
NAV D   plan for retting mottatt 2026-03-18  oppfølging                frist for tiltak V-02 2026-04-30        1
NAV E   lukket 2026-04-01                    –                         –                                       0

Forfalt per 2026-04-15:
  NAV B: frist for merknader 2026-03-16, 30 dager over fristen
  NAV C: frist for plan for retting 2026-04-10, 5 dager over fristen
  NAV D: frist for tiltak V-01 2026-04-01, 14 dager over fristen
"""


def test_status_table_hand_worked(course_round):
    result = run("status", "runde", "--date", "2026-04-15")
    assert result.exit_code == 0, result.output
    assert result.output == TABLE


def test_strict_exits_1_when_something_is_overdue(course_round):
    assert run("status", "runde", "--date", "2026-04-15", "--strict").exit_code == 1
    # before the first deadline nothing is overdue
    early = run("status", "runde", "--date", "2026-03-01", "--strict")
    assert early.exit_code == 0
    assert early.output.endswith("Ingenting er forfalt per 2026-03-01.\n")


def test_as_of_a_date_later_steps_have_not_happened(course_round):
    # as of 2026-03-08 NAV C had the comments (2026-03-06) but had not sent the final report
    data = json.loads(run("status", "runde", "--date", "2026-03-08", "--office", "nav-c", "--format", "json").output)
    office = data["offices"][0]
    assert office["stage"] == {"step": "merknader-mottatt", "label": "merknader mottatt", "date": "2026-03-06",
                               "source": "rapport.yaml"}
    assert office["planned"] == [{"step": "endelig-sendt", "label": "endelig rapport sendt", "date": "2026-03-13",
                                  "source": "rapport.yaml"}]
    assert office["next_deadline"]["key"] == "plan" and office["next_deadline"]["date"] == "2026-04-10"


def test_status_json_hand_worked(course_round):
    result = run("status", "runde", "--date", "2026-04-15", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["round"], data["date"], data["overdue"]) == ("test-2026", "2026-04-15", 3)
    assert [o["office"] for o in data["offices"]] == ["nav-a", "nav-b", "nav-c", "nav-d", "nav-e"]
    b = data["offices"][1]
    assert b["overdue"] == [{"key": "merknader", "label": "frist for merknader", "date": "2026-03-16",
                             "follows": "utkast-sendt", "set_in": "weeks", "finding": None, "met": None,
                             "met_by": None, "overdue": True, "days_overdue": 30}]
    assert b["next_step"] == {"step": "merknader-mottatt", "label": "merknader mottatt"}
    c = data["offices"][2]
    assert [(d["key"], d["date"], d["set_in"], d["met"], d["met_by"], d["overdue"]) for d in c["deadlines"]] == [
        ("merknader", "2026-03-10", "course", "2026-03-06", "merknader-mottatt", False),
        ("plan", "2026-04-10", "weeks", None, None, True)]
    d = data["offices"][3]
    assert [(x["key"], x["date"], x["met"], x["overdue"], x["days_overdue"]) for x in d["deadlines"]] == [
        ("merknader", "2026-02-15", "2026-02-10", False, 0),
        ("tiltak:test-2026/nav-d/A-02", "2026-03-01", "2026-03-25", False, 0),
        ("plan", "2026-03-20", "2026-03-18", False, 0),
        ("tiltak:test-2026/nav-d/V-01", "2026-04-01", None, True, 14),
        ("tiltak:test-2026/nav-d/V-02", "2026-04-30", None, False, 0)]
    assert d["next_deadline"]["key"] == "tiltak:test-2026/nav-d/V-02"
    assert d["next_deadline"]["label"] == "frist for tiltak V-02"
    e = data["offices"][4]
    assert (e["stage"]["step"], e["next_step"], e["overdue"], e["next_deadline"]) == ("lukket", None, [], None)
    a = data["offices"][0]
    assert a["steps"] == [
        {"step": "varsel-sendt", "label": "varsel sendt", "date": "2026-02-01", "source": "rapport.yaml"},
        {"step": "besok", "label": "besøk", "date": "2026-03-02", "source": "rapport.yaml"}]
    assert a["deadlines"] == []


def test_status_ics_parses_back_with_every_deadline(course_round):
    import icalendar

    result = run("status", "runde", "--date", "2026-04-15", "--format", "ics", "--out", "frister.ics")
    assert result.exit_code == 0, result.output
    assert result.output == "skrev frister.ics\n"
    raw = Path("frister.ics").read_bytes()
    assert b"\r\n" in raw
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["version"]) == "2.0" and "kvp-audit" in str(cal["prodid"])
    events = [(str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
              for e in cal.walk("VEVENT")]
    assert events == [
        ("kvp-audit/test-2026/nav-b/merknader", dt.date(2026, 3, 16), dt.date(2026, 3, 17),
         "Frist for merknader: NAV B"),
        ("kvp-audit/test-2026/nav-c/merknader", dt.date(2026, 3, 10), dt.date(2026, 3, 11),
         "Frist for merknader: NAV C"),
        ("kvp-audit/test-2026/nav-c/plan", dt.date(2026, 4, 10), dt.date(2026, 4, 11),
         "Frist for plan for retting: NAV C"),
        ("kvp-audit/test-2026/nav-d/merknader", dt.date(2026, 2, 15), dt.date(2026, 2, 16),
         "Frist for merknader: NAV D"),
        ("kvp-audit/test-2026/nav-d/tiltak/test-2026/nav-d/A-02", dt.date(2026, 3, 1), dt.date(2026, 3, 2),
         "Frist for tiltak A-02: NAV D"),
        ("kvp-audit/test-2026/nav-d/plan", dt.date(2026, 3, 20), dt.date(2026, 3, 21),
         "Frist for plan for retting: NAV D"),
        ("kvp-audit/test-2026/nav-d/tiltak/test-2026/nav-d/V-01", dt.date(2026, 4, 1), dt.date(2026, 4, 2),
         "Frist for tiltak V-01: NAV D"),
        ("kvp-audit/test-2026/nav-d/tiltak/test-2026/nav-d/V-02", dt.date(2026, 4, 30), dt.date(2026, 5, 1),
         "Frist for tiltak V-02: NAV D"),
        ("kvp-audit/test-2026/nav-e/merknader", dt.date(2026, 2, 3), dt.date(2026, 2, 4),
         "Frist for merknader: NAV E"),
        ("kvp-audit/test-2026/nav-e/plan", dt.date(2026, 3, 10), dt.date(2026, 3, 11),
         "Frist for plan for retting: NAV E"),
    ]
    # all-day dates, never times
    assert b"DTSTART;VALUE=DATE:20260316\r\n" in raw
    b = next(e for e in cal.walk("VEVENT") if str(e["uid"]) == "kvp-audit/test-2026/nav-b/merknader")
    assert str(b["description"]) == "Testrunde 2026. 2 uker etter utkast sendt 2026-03-02."
    c = next(e for e in cal.walk("VEVENT") if str(e["uid"]) == "kvp-audit/test-2026/nav-c/merknader")
    assert str(c["description"]) == "Testrunde 2026. Satt i rapport.yaml. Oppfylt: merknader mottatt 2026-03-06."


def test_ics_is_the_same_for_the_same_files_so_a_reimport_updates(course_round, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = run("status", "runde", "--format", "ics").output
    # a deadline moved: the same UID with the new date
    run("step", "runde", "nav-b", "utkast-sendt", "--deadline", "2026-04-30")
    second = run("status", "runde", "--format", "ics").output
    assert "DTSTAMP:20260101T000000Z" in first
    uid = "UID:kvp-audit/test-2026/nav-b/merknader"
    assert uid in first and uid in second
    assert "DTSTART;VALUE=DATE:20260316" in first and "DTSTART;VALUE=DATE:20260430" in second
    assert first.count("BEGIN:VEVENT") == second.count("BEGIN:VEVENT")


def test_status_of_an_unknown_office_is_a_usage_error(course_round):
    result = run("status", "runde", "--office", "nav-x")
    assert result.exit_code == 2
    assert "kontoret 'nav-x' er ikke med i runden" in result.output


def test_status_of_an_old_round_without_a_course_uses_the_visits(tmp_path):
    import shutil

    shutil.copytree(REPO / "examples" / "fiktivfylke" / "2024", tmp_path / "2024")
    result = run("status", str(tmp_path / "2024"), "--date", "2025-01-01", "--office", "nav-vidda", "--format", "json")
    office = json.loads(result.output)["offices"][0]
    # no rapport.yaml: the visit from kontor.yaml, no follow-up workshop, no deadlines
    assert office["stage"]["source"] == "kontor.yaml" and office["stage"]["step"] == "besok"
    assert office["deadlines"] == []


def test_a_broken_report_file_stops_status_with_file_and_line(course_round):
    course_round.write("nav-a/rapport.yaml", "status: utkast\ncourse:\n  notice_sent: 2026-02-31\n")
    result = run("status", "runde")
    assert result.exit_code == 2
    assert "runde/nav-a/rapport.yaml:3:16: feil: course.notice_sent" in result.output
    assert "kvp-audit: forløpet kan ikke leses; rett filene (se 'kvp-audit validate') først" in result.output


# --------------------------------------------------------------------------- validate


def test_dates_out_of_order_in_the_file_are_errors_with_line(course_round):
    course_round.write("nav-c/rapport.yaml", """\
        status: endelig
        course:
          draft_sent: 2026-02-20
          comments_deadline: 2026-02-10
          final_sent: 2026-02-01
        """)
    result = run("validate", "runde")
    assert result.exit_code == 1
    assert ("runde/nav-c/rapport.yaml:5:15: feil: course.final_sent: endelig rapport sendt (2026-02-01) "
            "er før utkast sendt (2026-02-20)\n    Gjør slik: datoene følger forløpet: varsel sendt, besøk, "
            "utkast sendt, merknader mottatt, endelig rapport sendt, plan for retting mottatt, oppfølging, "
            "lukket; rett en av datoene") in result.output
    assert ("runde/nav-c/rapport.yaml:4:22: feil: course.comments_deadline: fristen (2026-02-10) er før "
            "utkast sendt (2026-02-20)") in result.output


def test_the_hand_worked_round_validates(course_round):
    result = run("validate", "runde")
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- step


def test_step_keeps_the_files_comments_and_layout(course_round):
    path = course_round.root / "nav-a" / "rapport.yaml"
    result = run("step", "runde", "nav-a", "utkast-sendt", "--date", "2026-03-20")
    assert result.exit_code == 0, result.output
    assert result.output == ("utkast sendt: 2026-03-20\n"
                             "utkastets 0 funn er låst i runde/nav-a/utkast-sendt.yaml\n"
                             "Frist for merknader: 2026-04-03\n"
                             "skrev runde/nav-a/rapport.yaml\n"
                             "skrev runde/nav-a/utkast-sendt.yaml\n")
    assert path.read_text(encoding="utf-8") == ("status: utkast   # kept\n"
                                                "course:\n"
                                                "  notice_sent: 2026-02-01\n"
                                                "  visit: 2026-03-02\n"
                                                "  draft_sent: 2026-03-20\n")
    run("step", "runde", "nav-a", "varsel-sendt", "--date", "2026-01-30", "--again")
    assert "  notice_sent: 2026-01-30\n  visit: 2026-03-02\n" in path.read_text(encoding="utf-8")


def test_step_in_order_with_a_deadline_and_endelig_sets_the_status(course_round):
    result = run("step", "runde", "nav-b", "merknader-mottatt", "--date", "2026-03-20")
    assert result.exit_code == 0, result.output
    result = run("step", "runde", "nav-b", "endelig-sendt", "--date", "2026-04-01", "--deadline", "2026-05-15")
    assert result.exit_code == 0, result.output
    assert result.output == ("endelig rapport sendt: 2026-04-01\n"
                             "rapportens status er endelig\n"
                             "Frist for plan for retting: 2026-05-15\n"
                             "skrev runde/nav-b/rapport.yaml\n")
    text = (course_round.root / "nav-b" / "rapport.yaml").read_text(encoding="utf-8")
    assert text.startswith("status: endelig\n")
    assert ("course: {notice_sent: 2026-01-15, visit: 2026-02-10, draft_sent: 2026-03-02, comments_received: "
            "2026-03-20, final_sent: 2026-04-01, plan_deadline: 2026-05-15}") in text
    assert run("validate", "runde").exit_code == 0


def test_step_makes_a_draft_report_file_when_there_is_none(round_builder):
    round_builder.case("nav-b", "K-BBBBB1", {"V-01": "ja"})
    result = run("step", "runde", "nav-b", "varsel-sendt", "--date", "2026-01-10")
    assert result.exit_code == 0, result.output
    text = (round_builder.root / "nav-b" / "rapport.yaml").read_text(encoding="utf-8")
    assert "status: utkast  # utkast | endelig" in text
    assert text.endswith("course:\n  notice_sent: 2026-01-10\n")
    assert run("validate", "runde").exit_code == 0


def _unchanged(round_builder, args, exit_code=2):
    folder = round_builder.root
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run(*args)
    assert result.exit_code == exit_code
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before, "nothing may be written"
    return result.output


def test_a_final_report_before_the_draft_is_refused_with_file_and_line(course_round):
    out = _unchanged(course_round, ["step", "runde", "nav-b", "endelig-sendt", "--date", "2026-02-20"])
    assert out == ("runde/nav-b/rapport.yaml:2:66: feil: course.draft_sent: endelig rapport sendt (2026-02-20) "
                   "kan ikke være før utkast sendt (2026-03-02)\n"
                   "    Gjør slik: sjekk datoen du ga med --date, eller rett datoen her\n"
                   "kvp-audit: steget er ikke registrert; ingenting er skrevet\n")


def test_a_step_before_the_notice_is_refused(course_round):
    out = _unchanged(course_round, ["step", "runde", "nav-a", "besok", "--date", "2026-01-20", "--again"])
    assert out == ("runde/nav-a/rapport.yaml:3:16: feil: course.notice_sent: besøk (2026-01-20) kan ikke være før "
                   "varsel sendt (2026-02-01)\n"
                   "    Gjør slik: sjekk datoen du ga med --date, eller rett datoen her\n"
                   "kvp-audit: steget er ikke registrert; ingenting er skrevet\n")


def test_a_draft_after_the_final_report_is_refused(course_round):
    out = _unchanged(course_round, ["step", "runde", "nav-c", "utkast-sendt", "--date", "2026-03-20", "--again"])
    assert ("runde/nav-c/rapport.yaml:8:15: feil: course.final_sent: utkast sendt (2026-03-20) kan ikke være etter "
            "endelig rapport sendt (2026-03-13)\n") in out
    assert out.endswith("kvp-audit: steget er ikke registrert; ingenting er skrevet\n")


def test_a_step_recorded_twice_is_refused_unless_again(course_round):
    out = _unchanged(course_round, ["step", "runde", "nav-c", "endelig-sendt", "--date", "2026-03-20"])
    assert out == ("runde/nav-c/rapport.yaml:8:15: feil: course.final_sent: endelig rapport sendt er allerede "
                   "registrert (2026-03-13)\n"
                   "    Gjør slik: bruk --again for å registrere steget på nytt med den nye datoen\n"
                   "kvp-audit: steget er ikke registrert; ingenting er skrevet\n")
    assert run("step", "runde", "nav-c", "endelig-sendt", "--date", "2026-03-20", "--again").exit_code == 0
    assert "  final_sent: 2026-03-20\n" in (course_round.root / "nav-c" / "rapport.yaml").read_text(encoding="utf-8")


def test_a_deadline_before_its_step_is_a_usage_error(course_round):
    out = _unchanged(course_round, ["step", "runde", "nav-a", "utkast-sendt", "--date", "2026-03-20",
                                    "--deadline", "2026-03-19"])
    assert out == "kvp-audit: fristen (2026-03-19) er før utkast sendt (2026-03-20); en frist kommer etter steget sitt\n"
    out = _unchanged(course_round, ["step", "runde", "nav-a", "besok", "--deadline", "2026-03-19"])
    assert out == ("kvp-audit: steget 'besok' har ingen frist; --deadline gjelder utkast-sendt (frist for merknader), "
                   "endelig-sendt (frist for plan for retting)\n")


def test_unknown_step_office_and_dates_are_usage_errors(course_round):
    assert _unchanged(course_round, ["step", "runde", "nav-a", "utkast"]) == \
        "kvp-audit: ukjent steg 'utkast'; mente du 'utkast-sendt'?\n"
    assert _unchanged(course_round, ["step", "runde", "nav-a", "besøk"]) == \
        "kvp-audit: ukjent steg 'besøk'; mente du 'besok'?\n"
    assert _unchanged(course_round, ["step", "runde", "nav-x", "besok"]) == \
        "kvp-audit: kontoret 'nav-x' er ikke med i runden; mente du 'nav-e'?\n"
    out = _unchanged(course_round, ["step", "runde", "nav-a", "besok", "--date", "2026-13-01"])
    assert "--date: '2026-13-01' er ikke en dato; skriv ÅÅÅÅ-MM-DD" in out


def test_moving_a_deadline_alone(course_round):
    result = run("step", "runde", "nav-b", "utkast-sendt", "--deadline", "2026-04-20")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("frist for merknader er nå 2026-04-20\n")
    out = run("status", "runde", "--date", "2026-04-15", "--office", "nav-b").output
    assert "Ingenting er forfalt per 2026-04-15." in out
    # the draft was not frozen again
    assert not (course_round.root / "nav-b" / "utkast-sendt.yaml").exists()


def test_a_broken_report_file_is_not_written(course_round):
    course_round.write("nav-a/rapport.yaml", "status: ferdig\n")
    out = _unchanged(course_round, ["step", "runde", "nav-a", "besok", "--date", "2026-03-01"])
    assert "runde/nav-a/rapport.yaml:1:9: feil: status" in out
    assert out.endswith("kvp-audit: rett feilene i filene først; ingenting er skrevet\n")


def test_step_help_has_examples():
    out = run("step", "--help").output
    assert "kvp-audit step runder/2026 nav-fjellby utkast-sendt --date 2026-03-10" in out
    out = run("status", "--help").output
    assert "kvp-audit status examples/fiktivfylke/2026 --format ics --out frister.ics" in out


def test_a_step_before_the_visit_in_kontor_yaml_is_a_warning_in_validate(tmp_path):
    import shutil

    for year in ("2024", "2026"):
        shutil.copytree(REPO / "examples" / "fiktivfylke" / year, tmp_path / year)
    kontor = tmp_path / "2026" / "nav-bergtun" / "kontor.yaml"
    kontor.write_text(kontor.read_text(encoding="utf-8").replace("visit_dates: [2026-03-18]",
                                                                 "visit_dates: [2026-05-01]"), encoding="utf-8")
    report = tmp_path / "2026" / "nav-bergtun" / "rapport.yaml"
    line = report.read_text(encoding="utf-8").splitlines().index("  draft_sent: 2026-04-15") + 1
    result = run("validate", str(tmp_path / "2026"))
    assert result.exit_code == 0, result.output
    assert (f"rapport.yaml:{line}:15: advarsel: course.draft_sent: utkast sendt (2026-04-15) er før besøket "
            "(2026-05-01, siste besøksdato i kontor.yaml)\n    Gjør slik: sjekk visit_dates i kontor.yaml, eller "
            "skriv besøket i course.visit") in result.output
    # the command refuses to record a date before that visit, and says where the visit is
    out = run("step", str(tmp_path / "2026"), "nav-bergtun", "merknader-mottatt", "--date", "2026-04-20")
    assert out.exit_code == 2
    assert ("nav-bergtun/kontor.yaml:4:1: feil: merknader mottatt (2026-04-20) kan ikke være før besøk "
            "(2026-05-01)") in out.output
