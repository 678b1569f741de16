"""The follow-up form of `kvp-audit serve` (oppfolging.yaml) through Flask's test client:
the page, saving a status that `kvp-audit validate` and `kvp-audit followup` then read,
refused posts (CSRF, identity numbers, finding ids that are not the office's), conflicts,
"ikke fulgt opp" removing an entry, and comments that survive a save."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from test_web import fictional_fnr, form_of, replace  # noqa: E402

from kvp_audit.web.app import create_app  # noqa: E402
from kvp_audit.web.reviews import file_hash  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
# 2024: every office but nav-vidda has a follow-up record. 2026: findings carried from 2024.
BERGTUN_2024 = "fiktivfylke-2024/nav-bergtun/KA-02"      # delvis, with action, evidence and date
FJELLBY_NOW = "fiktivfylke-2026/nav-fjellby/IN-05"       # this round's avvik, not followed up
FJELLBY_CARRIED = "fiktivfylke-2024/nav-fjellby/IN-06"   # carried from 2024 with status åpen


@pytest.fixture
def rounds(tmp_path) -> Path:
    """Copies of both example rounds; the originals are never touched."""
    target = tmp_path / "fiktivfylke"
    shutil.copytree(EXAMPLES / "2024", target / "2024")
    shutil.copytree(EXAMPLES / "2026", target / "2026")
    return target


def client_for(round_dir: Path, tmp_path: Path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def c2024(rounds, tmp_path):
    return client_for(rounds / "2024", tmp_path)


@pytest.fixture
def c2026(rounds, tmp_path):
    return client_for(rounds / "2026", tmp_path)


def url(office: str) -> str:
    return f"/kontor/{office}/oppfolging"


def f(finding_id: str, part: str) -> str:
    return f"finding.{finding_id}.{part}"


def opened(client, office: str):
    page = client.get(url(office))
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return page.get_data(as_text=True), form_of(page.get_data(as_text=True))


def followup_json(round_dir: Path, office: str) -> dict:
    from click.testing import CliRunner

    from kvp_audit.cli import main

    result = CliRunner().invoke(main, ["followup", str(round_dir), "--office", office, "--format", "json"])
    assert result.exit_code == 0, result.output
    start = result.output.index("{")
    view = json.loads(result.output[start:])
    office = view["offices"][0]
    # with the findings a workshop before the visit did not follow up (the form offers them all)
    return {item["id"]: item for item in office["findings"] + office["after_workshop"]}


def validate(round_dir: Path):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    return CliRunner().invoke(main, ["validate", "--strict", str(round_dir)])


# --------------------------------------------------------------------------- pages


def test_office_page_links_to_the_follow_up_and_says_whether_it_exists(c2024):
    page = c2024.get("/kontor/nav-bergtun/").get_data(as_text=True)
    assert '<h2 id="h-followup">Oppfølging</h2>' in page
    assert 'href="/kontor/nav-bergtun/oppfolging"' in page
    assert re.search(r"\d+ av 19 funn er fulgt opp, og 15 av 15 spørsmål er besvart\.", page)
    page = c2024.get("/kontor/nav-vidda/").get_data(as_text=True)
    assert "Oppfølgingen er ikke startet." in page and 'href="/kontor/nav-vidda/oppfolging"' in page


def test_follow_up_page_shows_the_checklist_and_every_finding(c2026, rounds):
    page, form = opened(c2026, "nav-fjellby")
    # The follow-up checklist's questions, as in the office review form.
    assert "Har kontoret gått gjennom rapporten fra kvalitetsinnsynet med de ansatte?" in page
    assert 'name="answer.OF-01" value="delvis" checked' in page
    # This round's findings, then the carried ones: id, criterion, question, legal basis, kind.
    assert page.index("Funn fra denne runden") < page.index("Funn fra forrige runde")
    assert f"<code>{FJELLBY_NOW}</code>" in page and f"<code>{FJELLBY_CARRIED}</code>" in page
    carried = page[page.index(f"<code>{FJELLBY_CARRIED}</code>") - 1500:page.index(f"<code>{FJELLBY_CARRIED}</code>")]
    assert "IN-06</span> Går det fram av programmet når evalueringene skal gjøres?</legend>" in carried
    assert '<span class="tag">Avvik</span>' in carried and '<span class="tag">fra forrige runde</span>' in carried
    assert "Rettslig grunnlag:" in carried
    assert "Status da funnet ble ført videre: åpen" in page
    # Four statuses; no entry in the file is "ikke fulgt opp".
    for label in ("Lukket", "Delvis lukket", "Åpen", "Ikke fulgt opp"):
        assert f"<span>{label}</span>" in page
    assert form[f(FJELLBY_NOW, "status")] == "" and form[f(FJELLBY_CARRIED, "status")] == ""
    # Exactly the findings `kvp-audit followup` lists for the office.
    shown = {name.split(".", 1)[1].rsplit(".", 1)[0] for name in form if name.startswith("finding.")}
    assert shown == set(followup_json(rounds / "2026", "nav-fjellby"))


def test_follow_up_page_is_accessible_markup(c2026):
    page, _form = opened(c2026, "nav-fjellby")
    name = f(FJELLBY_NOW, "status")
    # A fieldset per finding with a legend; status radios in their own fieldset; errors linked.
    assert page.count('<fieldset class="criterion finding"') == 28
    assert re.search(rf'<fieldset class="field group" data-field="{re.escape(name)}">\s*<legend>Status</legend>', page)
    assert f'aria-describedby="e-{name}"' in page and f'id="e-{name}"' in page
    assert f'<label for="f-{f(FJELLBY_NOW, "action")}">Hva kontoret har gjort</label>' in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_follow_up_page_in_nynorsk_and_english(c2026):
    assert "Funn frå denne runden" in c2026.get(url("nav-fjellby") + "?lang=nn").get_data(as_text=True)
    assert "Findings from this round" in c2026.get(url("nav-fjellby") + "?lang=en").get_data(as_text=True)


def test_unknown_office_is_404(c2026):
    assert c2026.get(url("finnes-ikke")).status_code == 404


# --------------------------------------------------------------------------- saving


def test_save_a_status_then_validate_and_followup_read_it(c2026, rounds):
    round_dir = rounds / "2026"
    _page, form = opened(c2026, "nav-fjellby")
    form = replace(form, **{f(FJELLBY_NOW, "status"): "lukket",
                            f(FJELLBY_NOW, "action"): "Ny rutine for jobbsøking i siste del.\n\nGått gjennom på fagmøte.",
                            f(FJELLBY_NOW, "evidence"): "Rutinen og referatet.",
                            f(FJELLBY_NOW, "date"): "2026-10-01",
                            f(FJELLBY_CARRIED, "status"): "delvis"})
    response = c2026.post(url("nav-fjellby"), data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url("nav-fjellby") + "?lagret=1")
    text = (round_dir / "nav-fjellby" / "oppfolging.yaml").read_text(encoding="utf-8")
    assert (f"findings:\n  {FJELLBY_NOW}:\n    status: lukket\n    action: |-\n      Ny rutine for jobbsøking i siste del.\n"
            "\n      Gått gjennom på fagmøte.\n    evidence: Rutinen og referatet.\n    date: 2026-10-01\n") in text
    assert f"  {FJELLBY_CARRIED}:\n    status: delvis\n" in text
    result = validate(round_dir)
    assert result.exit_code == 0, result.output
    items = followup_json(round_dir, "nav-fjellby")
    assert items[FJELLBY_NOW]["status"] == "lukket"
    assert items[FJELLBY_NOW]["evidence"] == "Rutinen og referatet." and items[FJELLBY_NOW]["date"] == "2026-10-01"
    assert items[FJELLBY_CARRIED]["status"] == "delvis" and items[FJELLBY_CARRIED]["carried"] is True
    page, form = opened(c2026, "nav-fjellby")
    assert form[f(FJELLBY_NOW, "status")] == "lukket" and form[f(FJELLBY_NOW, "date")] == "2026-10-01"


@pytest.mark.parametrize("office", ["nav-bergtun", "nav-dalheim", "nav-fjellby", "nav-lia", "nav-skogli"])
def test_unchanged_form_leaves_the_file_byte_for_byte(c2024, rounds, office):
    path = rounds / "2024" / office / "oppfolging.yaml"
    before = path.read_bytes()
    _page, form = opened(c2024, office)
    assert c2024.post(url(office), data=form).status_code == 303
    assert path.read_bytes() == before


def test_comments_and_key_order_survive_a_save(c2024, rounds):
    path = rounds / "2024" / "nav-bergtun" / "oppfolging.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("findings:\n", "findings:  # ført i verkstedet\n", 1)
    text = text.replace(f'  "{BERGTUN_2024}":\n', f'  # Sjekket med leder\n  "{BERGTUN_2024}":\n', 1)
    text = text.replace("    status: delvis\n", "    status: delvis  # ny vurdering i mars\n", 1)
    path.write_text(text, encoding="utf-8")
    _page, form = opened(c2024, "nav-bergtun")
    response = c2024.post(url("nav-bergtun"), data=replace(form, **{
        f(BERGTUN_2024, "status"): "lukket", f(BERGTUN_2024, "evidence"): "Stikkprøve av fire saker."}))
    assert response.status_code == 303
    after = path.read_text(encoding="utf-8")
    assert "findings:  # ført i verkstedet\n" in after
    # A replaced value keeps its quotes, as ruamel.yaml keeps the style of the scalar it replaces.
    assert (f'  # Sjekket med leder\n  "{BERGTUN_2024}":\n    status: lukket  # ny vurdering i mars\n'
            '    action: "Rutinen er oppdatert, men ikke tatt i bruk i alle saker."\n'
            '    evidence: "Stikkprøve av fire saker."\n    date: 2024-10-29\n') in after
    import difflib

    changed = [line for line in difflib.unified_diff(text.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 4, changed
    assert [k for k in re.findall(r"^(\w+):", after, re.M)] == ["office", "reviewers", "date", "note", "answers",
                                                                  "findings"]


def test_ikke_fulgt_opp_removes_the_entry(c2024, rounds):
    path = rounds / "2024" / "nav-bergtun" / "oppfolging.yaml"
    _page, form = opened(c2024, "nav-bergtun")
    cleared = replace(form, **{f(BERGTUN_2024, part): "" for part in ("status", "action", "evidence", "date")})
    assert c2024.post(url("nav-bergtun"), data=cleared).status_code == 303
    after = path.read_text(encoding="utf-8")
    assert BERGTUN_2024 not in after and "fiktivfylke-2024/nav-bergtun/IN-02" in after
    assert validate(rounds / "2024").exit_code == 0
    assert followup_json(rounds / "2024", "nav-bergtun")[BERGTUN_2024]["status"] == "ikke fulgt opp"


def test_ikke_fulgt_opp_with_text_left_asks_for_a_status_and_writes_nothing(c2024, rounds):
    path = rounds / "2024" / "nav-bergtun" / "oppfolging.yaml"
    before = path.read_bytes()
    _page, form = opened(c2024, "nav-bergtun")
    response = c2024.post(url("nav-bergtun"), data=replace(form, **{f(BERGTUN_2024, "status"): ""}))
    assert response.status_code == 422
    assert path.read_bytes() == before
    page = html.unescape(response.get_data(as_text=True))
    name = f(BERGTUN_2024, "status")
    error = re.search(rf'<p class="field-error" id="e-{re.escape(name)}" data-error-for="{re.escape(name)}">(.*?)</p>',
                      page, re.S)
    assert error and "Velg en status" in error.group(1)


def test_a_new_follow_up_file_is_made_from_the_skeleton(c2024, rounds):
    path = rounds / "2024" / "nav-vidda" / "oppfolging.yaml"
    assert not path.exists()
    page, form = opened(c2024, "nav-vidda")
    assert form["base_hash"] == ""
    finding = next(name for name in form if name.startswith("finding.") and name.endswith(".status"))
    fid = finding[len("finding."):-len(".status")]
    # Without reviewers nothing is written.
    assert c2024.post(url("nav-vidda"), data=form).status_code == 422 and not path.exists()
    response = c2024.post(url("nav-vidda"), data=replace(form, reviewers="KB, TH", date="2024-11-05",
                                                         **{"answer.OF-01": "ja", finding: "åpen"}))
    assert response.status_code == 303
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Oppfølgingsverksted: ")
    assert "office: nav-vidda\nreviewers: [KB, TH]\ndate: 2024-11-05\n" in text
    assert f"findings:\n  {fid}:\n    status: åpen\n" in text
    assert validate(rounds / "2024").exit_code == 0
    assert followup_json(rounds / "2024", "nav-vidda")[fid]["status"] == "åpen"


def test_autosave_answers_json(c2026, rounds):
    path = rounds / "2026" / "nav-fjellby" / "oppfolging.yaml"
    _page, form = opened(c2026, "nav-fjellby")
    form = replace(form, **{f(FJELLBY_CARRIED, "status"): "åpen"})
    data = c2026.post(url("nav-fjellby"), data=form, headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "saved" and data["hash"] == file_hash(path)
    data = c2026.post(url("nav-fjellby"), data=replace(form, base_hash=data["hash"], **{f(FJELLBY_CARRIED, "date"): "1. mars"}),
                      headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "invalid" and list(data["errors"]) == [f(FJELLBY_CARRIED, "date")]


# --------------------------------------------------------------------------- refused


def test_post_without_csrf_token_is_refused(c2026, rounds):
    path = rounds / "2026" / "nav-fjellby" / "oppfolging.yaml"
    before = path.read_bytes()
    _page, form = opened(c2026, "nav-fjellby")
    form = replace(form, **{f(FJELLBY_NOW, "status"): "lukket"})
    del form["csrf_token"]
    assert c2026.post(url("nav-fjellby"), data=form).status_code == 400
    assert c2026.post(url("nav-fjellby"), data=replace(form, csrf_token="feil")).status_code == 400
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", [
    "finding.fiktivfylke-2026/nav-fjellby/XX-99.status",             # no such finding
    "finding.fiktivfylke-2026/nav-bergtun/SV-06.status",             # another office's finding
    "finding.../../runde.yaml.status",
    f"finding.{FJELLBY_NOW}.owner",                                  # not a part of a finding
])
def test_unknown_finding_id_is_refused(c2026, rounds, name):
    folder = rounds / "2026" / "nav-fjellby"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    _page, form = opened(c2026, "nav-fjellby")
    form = replace(form, **{f(FJELLBY_NOW, "status"): "lukket"})
    form.add(name, "lukket")
    response = c2026.post(url("nav-fjellby"), data=form)
    assert response.status_code == 400
    assert "ikke er blant kontorets funn" in response.get_data(as_text=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert c2026.post(url("nav-fjellby"), data=form, headers={"X-Requested-With": "fetch"}).status_code == 400


def test_identity_number_is_refused_and_never_echoed(c2026, rounds):
    number = fictional_fnr()
    path = rounds / "2026" / "nav-fjellby" / "oppfolging.yaml"
    before = path.read_bytes()
    _page, form = opened(c2026, "nav-fjellby")
    for part in ("action", "evidence"):
        name = f(FJELLBY_NOW, part)
        response = c2026.post(url("nav-fjellby"), data=replace(form, **{f(FJELLBY_NOW, "status"): "delvis",
                                                                        name: f"Se sak {number} i Gosys"}))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "fødselsnummer eller D-nummer" in page and number not in page
        assert f"Se sak {number[:2]}********* i Gosys" in page
        assert re.search(rf'id="e-{re.escape(name)}" data-error-for="{re.escape(name)}"><span>', page)
        assert path.read_bytes() == before
    data = c2026.post(url("nav-fjellby"), data=replace(form, **{f(FJELLBY_NOW, "action"): number}),
                      headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "refused" and f(FJELLBY_NOW, "action") in data["errors"]
    assert path.read_bytes() == before


def test_conflict_shows_both_versions_and_writes_nothing(c2024, rounds):
    path = rounds / "2024" / "nav-bergtun" / "oppfolging.yaml"
    _page, form = opened(c2024, "nav-bergtun")
    form = replace(form, **{f(BERGTUN_2024, "status"): "lukket", f(BERGTUN_2024, "action"): "Min tekst"})
    theirs = path.read_text(encoding="utf-8").replace("status: delvis", "status: åpen", 1)
    path.write_text(theirs, encoding="utf-8")
    response = c2024.post(url("nav-bergtun"), data=form)
    assert response.status_code == 409
    assert path.read_text(encoding="utf-8") == theirs
    conflict = response.get_data(as_text=True)
    assert "Filen er endret siden du åpnet skjemaet" in conflict and "Min tekst" in conflict
    data = c2024.post(url("nav-bergtun"), data=form, headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "conflict" and path.read_text(encoding="utf-8") == theirs
    # "Use mine" posts the reviewer's values (findings included) against the version now on disk.
    mine = form_of(conflict, action=url("nav-bergtun"))
    assert mine[f(BERGTUN_2024, "status")] == "lukket"
    assert c2024.post(url("nav-bergtun"), data=mine).status_code == 303
    assert f'  "{BERGTUN_2024}":\n    status: lukket\n    action: "Min tekst"\n' in path.read_text(encoding="utf-8")


def test_entries_for_findings_the_round_lacks_are_kept_and_warned(c2024, rounds):
    path = rounds / "2024" / "nav-bergtun" / "oppfolging.yaml"
    path.write_text(path.read_text(encoding="utf-8") + '  "fiktivfylke-2024/nav-bergtun/XX-01":\n    status: åpen\n',
                    encoding="utf-8")
    page, form = opened(c2024, "nav-bergtun")
    assert "funnet &#39;fiktivfylke-2024/nav-bergtun/XX-01&#39; finnes ikke i runden" in page
    assert c2024.post(url("nav-bergtun"), data=replace(form, **{f(BERGTUN_2024, "status"): "lukket"})).status_code == 303
    assert '"fiktivfylke-2024/nav-bergtun/XX-01":\n    status: åpen\n' in path.read_text(encoding="utf-8")


def test_round_without_follow_up_checklist_has_no_follow_up_page(rounds, tmp_path):
    round_file = rounds / "2026" / "runde.yaml"
    round_file.write_text(round_file.read_text(encoding="utf-8").replace("  followup: kvp-oppfolging@2026.1\n", ""),
                          encoding="utf-8")
    client = client_for(rounds / "2026", tmp_path)
    assert client.get(url("nav-fjellby")).status_code == 404
    assert 'id="h-followup"' not in client.get("/kontor/nav-fjellby/").get_data(as_text=True)


def test_findings_follow_changes_to_the_case_files(c2026, rounds):
    """The finding list is kept between requests, but not after a review file changes."""
    _page, form = opened(c2026, "nav-fjellby")
    assert f(FJELLBY_NOW, "status") in form
    folder = rounds / "2026" / "nav-fjellby"
    for path in folder.glob("K-*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(  IN-05:\n    answer: )\S+", r"\1ja", re.sub(r"  IN-05: \S+", "  IN-05: ja", text)),
                        encoding="utf-8")
    _page, form = opened(c2026, "nav-fjellby")
    assert f(FJELLBY_NOW, "status") not in form


def test_errors_elsewhere_in_the_round_are_mentioned(c2026, rounds):
    page, _form = opened(c2026, "nav-fjellby")
    assert "Noen filer i runden har feil" not in page
    # An error in the follow-up file itself is shown by the form, not as a doubt about the findings.
    path = rounds / "2026" / "nav-fjellby" / "oppfolging.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("findings: {}", f"findings:\n  {FJELLBY_NOW}:\n    status: ferdig"),
                    encoding="utf-8")
    page, _form = opened(c2026, "nav-fjellby")
    assert "Noen filer i runden har feil" not in page
    assert re.search(rf'id="e-{re.escape(f(FJELLBY_NOW, "status"))}"[^>]*><span>Feil: &#39;ferdig&#39;', page)
    assert "ferdig (ugyldig verdi fra filen)" in page
    case = next((rounds / "2026" / "nav-strandvik").glob("K-*.yaml"))
    case.write_text("answers: [\n", encoding="utf-8")
    page, _form = opened(c2026, "nav-fjellby")
    assert "Noen filer i runden har feil" in page
