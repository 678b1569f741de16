"""The web form (`kvp-audit serve`) through Flask's test client: every route, refused posts,
conflicts, invalid input and identity numbers (nothing written), and files that survive a
round trip byte for byte."""

from __future__ import annotations

import html
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("ruamel.yaml")

from werkzeug.datastructures import MultiDict  # noqa: E402

from kvp_audit.load import load_round  # noqa: E402
from kvp_audit.web.app import create_app  # noqa: E402
from kvp_audit.web.reviews import file_hash  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"
OFFICE = "nav-bergtun"
CASE = "K-3RRV79"
CASE_URL = f"/kontor/{OFFICE}/sak/{CASE}"


def fictional_fnr() -> str:
    """A made-up 11-digit number with valid check digits (born 01.01.1990, not a real person)."""
    from kvp_audit.privacy import is_national_id

    for individual in range(100, 1000):
        for tail in range(100):
            number = f"010190{individual}{tail:02d}"
            if is_national_id(number):
                return number
    raise AssertionError("no number found")


@pytest.fixture
def app(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class FormReader(HTMLParser):
    """Collects what a browser would post for the first form with a base_hash (or the given action)."""

    def __init__(self, action: str | None = None):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "pairs": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form["pairs"].append((a["name"], a.get("value", "on")))
            elif "name" in a:
                self._form["pairs"].append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None:
                self._select[2] = a.get("value", "")
            if "selected" in a:
                self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self._form["pairs"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, chosen, first = self._select
            self._form["pairs"].append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "form":
            self._form = None


def form_of(page: str, action: str | None = None) -> MultiDict:
    reader = FormReader()
    reader.feed(page)
    for form in reader.forms:
        names = [n for n, _v in form["pairs"]]
        if (action and form["action"] == action) or (not action and "base_hash" in names):
            return MultiDict(form["pairs"])
    raise AssertionError(f"no form {action or 'with base_hash'} on the page")


def replace(form: MultiDict, **changes) -> MultiDict:
    """A copy of a form with fields set (dots in names written as __)."""
    out = MultiDict(form)
    for name, value in changes.items():
        out.setlist(name.replace("__", "."), value if isinstance(value, list) else [value])
    return out


def token_of(client) -> str:
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def case_file(round_dir: Path) -> Path:
    return round_dir / OFFICE / f"{CASE}.yaml"


def problems_of(round_dir: Path) -> list:
    return [p for p in load_round(round_dir).problems if p.is_error]


# --------------------------------------------------------------------------- pages


def test_round_page_lists_every_office_with_progress(client, round_dir):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="nb">' in page
    for name in ("NAV Fjellby", "NAV Bergtun", "NAV Sjøhavn", "NAV Midtdal"):
        assert name in page
    assert "Fremdrift per kontor" in page
    # Bergtun: four cases, all answered in the example data.
    row = re.search(r'<th scope="row"><a href="/kontor/nav-bergtun/">NAV Bergtun</a></th>(.*?)</tr>', page, re.S).group(1)
    assert "4 av 4 ferdige" in row
    assert "ferdig" in row
    # the follow-up: started at Bergtun (no finding recorded yet), not started at Strandvik
    assert re.search(r"<td>0 av \d+ funn</td>", row)
    strandvik = re.search(r'<a href="/kontor/nav-strandvik/">NAV Strandvik</a></th>(.*?)</tr>', page, re.S).group(1)
    assert "<td>ikke startet</td>" in strandvik


def test_pages_follow_the_language(client):
    nn = client.get("/?lang=nn").get_data(as_text=True)
    assert '<html lang="nn">' in nn and "Framdrift per kontor" in nn
    # The choice is kept for the next page.
    assert "Saker" in client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Progress per office" in en


def test_app_language_from_the_command_line(round_dir, tmp_path):
    app = create_app(round_dir, lang="en", reports_dir=tmp_path / "r")
    page = app.test_client().get(CASE_URL).get_data(as_text=True)
    assert '<html lang="en">' in page and "Save" in page


def test_office_page_shows_cases_review_and_figures(client):
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    for key in ("K-3RRV79", "K-7SGJPP", "K-FJQJV9", "K-J3HQ9F"):
        assert f'href="/kontor/nav-bergtun/sak/{key}"' in page
    assert "Legg til sak" in page and "Lag rapport" in page
    assert "Kontorvurderingen er ferdig." in page
    # The office's figures (måltall and the other numbers) from kontor.yaml.
    assert re.search(r"Måltall.*?</th><td>7 deltakere", page, re.S)


def test_case_form_is_generated_from_the_checklist(client):
    page = client.get(CASE_URL).get_data(as_text=True)
    from kvp_audit.load import library_for

    checklist, _p = library_for(None).get("kvp-sak@2026.1")
    # Every criterion is a fieldset with its question as legend.
    for crit in checklist.criteria():
        assert f'data-criterion="{crit.id}"' in page
        assert f'<span class="cid">{crit.id}</span> {html.escape(crit.question, quote=False)}</legend>' in page
    # Facts come before the first theme.
    assert page.index('id="h-facts"') < page.index('data-criterion="SV-01"')
    # Answer scale as radio buttons, guidance on demand, legal basis, evidence sources.
    block = page[page.index('data-criterion="SV-01"'):page.index('data-criterion="SV-02"')]
    for i, value in enumerate(("ja", "delvis", "nei", "ikke aktuelt")):
        assert f'<input type="radio" id="f-answer.SV-01-{i}" name="answer.SV-01" value="{value}"' in block
    assert '<details class="guidance"><summary>Veiledning</summary>' in block
    assert "Rettslig grunnlag: forvaltningsloven § 11 a; sotjl. § 41" in block
    assert 'name="comment.SV-01"' in block and 'name="sources.SV-01" value="saksmappe" checked' in block
    assert '<label for="f-comment.SV-01">Kommentar</label>' in block


def test_criteria_that_do_not_apply_are_marked(client, round_dir):
    # K-3RRV79 is closed and the participant has children: closure and children criteria apply.
    page = client.get(CASE_URL).get_data(as_text=True)
    assert 'class="criterion" data-criterion="AV-01"' in page
    other = round_dir / OFFICE / "K-7SGJPP.yaml"
    text = other.read_text(encoding="utf-8")
    facts = re.search(r"facts:\n((?:  .*\n)+)", text).group(1)
    page = client.get(f"/kontor/{OFFICE}/sak/K-7SGJPP").get_data(as_text=True)
    if "status: pågående" in facts:
        assert 'class="criterion not-applicable" data-criterion="AV-01"' in page
        assert re.search(r'id="na-AV-01">Gjelder ikke denne saken', page)


def test_unknown_office_and_case_are_404(client):
    assert client.get("/kontor/nav-finnes-ikke/").status_code == 404
    assert client.get(f"/kontor/{OFFICE}/sak/K-ZZZZZZ").status_code == 404
    # Reserved files are not cases.
    assert client.get(f"/kontor/{OFFICE}/sak/kontor").status_code == 404
    assert client.get(f"/kontor/{OFFICE}/sak/oppfolging").status_code == 404


@pytest.mark.parametrize("path", [
    "/kontor/..%2F..%2Fetc/",
    "/kontor/../../etc/passwd",
    f"/kontor/{OFFICE}/sak/..%2F..%2Frunde",
    f"/kontor/{OFFICE}/sak/..%2Fnav-fjellby%2FK-8EY8J5",
    f"/kontor/{OFFICE}/sak/%2Fetc%2Fpasswd",
    "/kontor/checklists/",
    "/static/..%2F..%2Fkvp_audit%2Fcli.py",
])
def test_path_traversal_is_refused(client, round_dir, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.data and b"import click" not in response.data


def test_path_traversal_post_writes_nothing(client, round_dir, tmp_path):
    token = token_of(client)
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    for path in (f"/kontor/{OFFICE}/sak/..%2F..%2Fevil", "/kontor/..%2Fevil/ny-sak", "/kontor/..%2Fevil/kontorvurdering"):
        response = client.post(path, data={"csrf_token": token, "base_hash": "", "reviewers": "KB"})
        assert response.status_code in (400, 404)
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before


def test_static_files_and_no_external_resources(client):
    assert client.get("/static/kvp.css").status_code == 200
    assert client.get("/static/kvp.js").status_code == 200
    for url in ("/", f"/kontor/{OFFICE}/", CASE_URL, f"/kontor/{OFFICE}/kontorvurdering"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page), url
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_foreign_host_header_is_refused(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


# --------------------------------------------------------------------------- CSRF


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, round_dir):
    path = case_file(round_dir)
    before = path.read_bytes()
    page = client.get(CASE_URL).get_data(as_text=True)
    form = replace(form_of(page), **{"answer.SV-01": "nei"})
    del form["csrf_token"]
    assert client.post(CASE_URL, data=form).status_code == 400
    assert client.post(CASE_URL, data=replace(form, csrf_token="feil")).status_code == 400
    assert client.post(CASE_URL, data=form, headers={"X-Requested-With": "fetch"}).status_code == 400
    assert path.read_bytes() == before
    files = sorted((round_dir / OFFICE).iterdir())
    assert client.post(f"/kontor/{OFFICE}/ny-sak", data={"reviewers": "KB"}).status_code == 400
    assert client.post(f"/kontor/{OFFICE}/rapport", data={}).status_code == 400
    assert sorted((round_dir / OFFICE).iterdir()) == files


def test_csrf_token_from_another_session_is_refused(app, round_dir):
    first, second = app.test_client(), app.test_client()
    token = token_of(first)
    token_of(second)
    response = second.post(f"/kontor/{OFFICE}/ny-sak", data={"csrf_token": token, "reviewers": "KB"})
    assert response.status_code == 400


# --------------------------------------------------------------------------- saving


@pytest.mark.parametrize("office", ["nav-bergtun", "nav-fjellby", "nav-sjohavn"])
def test_unchanged_form_leaves_every_file_byte_for_byte(client, round_dir, office):
    folder = round_dir / office
    for path in sorted(folder.glob("K-*.yaml")):
        url = f"/kontor/{office}/sak/{path.stem}"
        before = path.read_bytes()
        response = client.post(url, data=form_of(client.get(url).get_data(as_text=True)))
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert path.read_bytes() == before, path.name
    url = f"/kontor/{office}/kontorvurdering"
    before = (folder / "kontor.yaml").read_bytes()
    assert client.post(url, data=form_of(client.get(url).get_data(as_text=True))).status_code == 303
    assert (folder / "kontor.yaml").read_bytes() == before


def test_save_changes_only_what_changed_and_keeps_comments(client, round_dir):
    path = case_file(round_dir)
    text = path.read_text(encoding="utf-8")
    text = text.replace("answers:\n", "answers:  # svarene, skrevet for hånd\n", 1)
    text = text.replace("  SV-02:\n", "  # Vurdert sammen med veileder\n  SV-02:\n", 1)
    text = text.replace("selection: kontoret", "selection: kontoret  # valgt i møtet")
    path.write_text(text, encoding="utf-8")
    page = client.get(CASE_URL).get_data(as_text=True)
    form = replace(form_of(page), **{"answer.SV-02": "delvis", "comment.SV-02": "Vedtaket kom sent.\nForklart i notat.",
                                     "sources.SV-02": ["Gosys", "saksmappe"], "answer.IN-90": "37,5"})
    response = client.post(CASE_URL, data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{CASE_URL}?lagret=1")
    after = path.read_text(encoding="utf-8")
    assert "answers:  # svarene, skrevet for hånd\n" in after
    assert "  # Vurdert sammen med veileder\n  SV-02:\n" in after
    assert "selection: kontoret  # valgt i møtet" in after
    assert "  SV-02:\n    answer: delvis\n    sources: [Gosys, saksmappe]\n    comment: |-\n" in after or \
        "  SV-02:\n    answer: delvis\n    comment: |-\n      Vedtaket kom sent.\n      Forklart i notat.\n    sources: [Gosys, saksmappe]\n" in after
    assert "  IN-90: 37.5\n" in after
    import difflib

    changed = [line for line in difflib.unified_diff(text.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 9, changed
    assert problems_of(round_dir) == []
    page = client.get(CASE_URL + "?lagret=1").get_data(as_text=True)
    assert "Lagret." in page and "Vedtaket kom sent.\nForklart i notat.</textarea>" in page


def test_saved_file_validates_with_the_command_line(client, round_dir):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    page = client.get(CASE_URL).get_data(as_text=True)
    client.post(CASE_URL, data=replace(form_of(page), **{"answer.DO-01": "nei", "comment.DO-01": "Mangler notat."}))
    result = CliRunner().invoke(main, ["validate", str(round_dir)])
    assert "0 feil" in result.output or "Ingen problemer funnet." in result.output, result.output


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reviewers", "Kari Nordmann", "er ikke initialer"),
    ("date", "2026-02-30", "er ikke en dato"),
    ("answer.IN-90", "mange", "'mange' er ikke et tall"),
    ("answer.SV-01", "kanskje", "'kanskje' er ikke et gyldig svar"),
    ("fact.startdato", "i fjor", "passer ikke for 'startdato'"),
    ("sources.SV-01", "Facebook", "'Facebook' er ikke en gyldig verdi"),
])
def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_written(client, round_dir, field, value, message):
    path = case_file(round_dir)
    before = path.read_bytes()
    page = client.get(CASE_URL).get_data(as_text=True)
    response = client.post(CASE_URL, data=replace(form_of(page), **{field: value}))
    assert response.status_code == 422
    assert path.read_bytes() == before
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="e-{re.escape(field)}" data-error-for="{re.escape(field)}">(.*?)</p>',
                      page, re.S)
    assert error, page[:3000]
    assert message in html.unescape(error.group(1))
    # The field points at its message, and is marked invalid.
    assert re.search(rf'name="{re.escape(field)}"[^>]*aria-describedby="[^"]*e-{re.escape(field)}"', page) or \
        re.search(rf'aria-describedby="[^"]*e-{re.escape(field)}"', page)
    assert 'role="alert"' in page
    # The reviewer's input is kept in the form.
    if field not in ("sources.SV-01",):
        assert html.escape(value) in page


def test_identity_number_is_refused_with_a_reason_and_never_echoed(client, round_dir):
    number = fictional_fnr()
    path = case_file(round_dir)
    before = path.read_bytes()
    page = client.get(CASE_URL).get_data(as_text=True)
    for field in ("comment.SV-01", "note", "comment.OP-01"):
        for written in (number, f"{number[:6]} {number[6:]}"):
            response = client.post(CASE_URL, data=replace(form_of(page), **{field: f"Se sak {written} i Gosys"}))
            assert response.status_code == 422
            text = response.get_data(as_text=True)
            assert "fødselsnummer eller D-nummer" in text
            assert number not in text.replace(" ", "") and number[6:] not in text
            assert f"Se sak {number[:2]}********* i Gosys" in text
            assert path.read_bytes() == before
    response = client.post(CASE_URL, data=replace(form_of(page), **{"comment.SV-01": number}),
                           headers={"X-Requested-With": "fetch"})
    data = response.get_json()
    assert data["status"] == "refused" and "comment.SV-01" in data["errors"]
    assert number not in response.get_data(as_text=True)
    assert path.read_bytes() == before


def test_a_number_already_in_the_file_blocks_saving(client, round_dir):
    path = case_file(round_dir)
    path.write_text(path.read_text(encoding="utf-8") + f"# {fictional_fnr()}\n", encoding="utf-8")
    before = path.read_bytes()
    page = client.get(CASE_URL).get_data(as_text=True)
    assert "fødselsnummer" in page
    response = client.post(CASE_URL, data=replace(form_of(page), **{"answer.SV-01": "nei"}))
    assert response.status_code == 422 and path.read_bytes() == before


def test_conflict_shows_both_versions_and_writes_nothing(client, round_dir):
    path = case_file(round_dir)
    page = client.get(CASE_URL).get_data(as_text=True)
    form = replace(form_of(page), **{"answer.SV-01": "nei", "comment.SV-01": "Min kommentar"})
    # Another reviewer saves the file in an editor meanwhile.
    theirs = path.read_text(encoding="utf-8").replace("  SV-03:\n    answer: ja", "  SV-03:\n    answer: delvis", 1)
    path.write_text(theirs, encoding="utf-8")
    response = client.post(CASE_URL, data=form)
    assert response.status_code == 409
    assert path.read_text(encoding="utf-8") == theirs
    conflict = response.get_data(as_text=True)
    assert "Filen er endret siden du åpnet skjemaet" in conflict
    assert "Bruk min versjon" in conflict and "Bruk versjonen på disken" in conflict
    assert "answer: delvis" in conflict and "Min kommentar" in conflict
    assert '<span class="del">-    answer: ja</span>' in conflict
    # Autosave sees the conflict too, and writes nothing.
    data = client.post(CASE_URL, data=form, headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "conflict" and path.read_text(encoding="utf-8") == theirs
    # Choosing "mine" posts the reviewer's values against the version now on disk.
    mine = form_of(conflict, action=CASE_URL)
    assert mine["base_hash"] == file_hash(path)
    assert client.post(CASE_URL, data=mine).status_code == 303
    saved = path.read_text(encoding="utf-8")
    assert "Min kommentar" in saved and "  SV-01:\n    answer: nei" in saved
    assert problems_of(round_dir) == []


def test_autosave_answers_json_with_the_new_hash_and_applicability(client, round_dir):
    path = case_file(round_dir)
    page = client.get(CASE_URL).get_data(as_text=True)
    form = replace(form_of(page), **{"fact.status": "pågående", "fact.har_barn": "false"})
    data = client.post(CASE_URL, data=form, headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "saved"
    assert data["hash"] == file_hash(path)
    assert {"AV-01", "IN-07"} <= set(data["not_applicable"]) and "IN-01" not in data["not_applicable"]
    assert data["message"].startswith("Lagret kl.")
    # The next autosave carries the new hash; nothing changed, nothing written.
    data = client.post(CASE_URL, data=replace(form, base_hash=data["hash"]),
                       headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "unchanged"
    # An invalid value: errors by field, file unchanged.
    before = path.read_bytes()
    data = client.post(CASE_URL, data=replace(form, base_hash=data["hash"], reviewers="kb"),
                       headers={"X-Requested-With": "fetch"}).get_json()
    assert data["status"] == "invalid" and "reviewers" in data["errors"]
    assert path.read_bytes() == before


def test_text_is_escaped(client, round_dir):
    page = client.get(CASE_URL).get_data(as_text=True)
    client.post(CASE_URL, data=replace(form_of(page), **{"comment.SV-01": "<script>alert(1)</script> & \"x\""}))
    page = client.get(CASE_URL).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;" in page


def test_a_broken_file_is_shown_not_overwritten(client, round_dir):
    path = case_file(round_dir)
    path.write_text("case: K-3RRV79\nanswers: [\n", encoding="utf-8")
    page = client.get(CASE_URL).get_data(as_text=True)
    assert "Filen kan ikke leses" in page
    token = token_of(client)
    response = client.post(CASE_URL, data={"csrf_token": token, "base_hash": file_hash(path), "reviewers": "KB"})
    assert response.status_code == 422
    assert path.read_text(encoding="utf-8") == "case: K-3RRV79\nanswers: [\n"


# --------------------------------------------------------------------------- adding a case, office review


def test_add_case_draws_a_key_and_writes_a_valid_skeleton(client, round_dir):
    token = token_of(client)
    response = client.post(f"/kontor/{OFFICE}/ny-sak", data={"csrf_token": token, "reviewers": "KB, TH"})
    assert response.status_code == 303
    key = re.search(r"/sak/(K-[0-9A-Z]+)$", response.headers["Location"]).group(1)
    path = round_dir / OFFICE / f"{key}.yaml"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert f"case: {key}" in text and "reviewers: [KB, TH]" in text
    assert problems_of(round_dir) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Ny sak {key} er laget." in page
    # The initials are remembered for the next case.
    assert 'value="KB, TH"' in client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)


@pytest.mark.parametrize("reviewers", ["", "Kari", "kb", "01019012345"])
def test_add_case_refuses_names_and_writes_nothing(client, round_dir, reviewers):
    token = token_of(client)
    files = sorted((round_dir / OFFICE).iterdir())
    response = client.post(f"/kontor/{OFFICE}/ny-sak", data={"csrf_token": token, "reviewers": reviewers})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-add-reviewers"><' not in page and "aldri navn" in page
    assert 'aria-invalid="true"' in page
    assert sorted((round_dir / OFFICE).iterdir()) == files


def test_office_review_is_created_from_the_skeleton(client, round_dir):
    path = round_dir / OFFICE / "kontor.yaml"
    path.unlink()
    url = f"/kontor/{OFFICE}/kontorvurdering"
    page = client.get(url).get_data(as_text=True)
    assert 'data-criterion="KR-01"' in page and 'name="visit_dates"' in page
    form = form_of(page)
    assert form["base_hash"] == ""
    response = client.post(url, data=replace(form, reviewers="KB", met="leder, KVP-veileder",
                                             **{"answer.KR-01": "ja", "answer.TALL-MAALTALL": "12"}))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    text = path.read_text(encoding="utf-8")
    assert "# Kontorvurdering" in text and "met: [leder, KVP-veileder]" in text
    assert re.search(r"KR-01:.*\n    answer: ja", text)
    assert problems_of(round_dir) == []
    assert re.search(r"Måltall.*?</th><td>12 deltakere", client.get(f"/kontor/{OFFICE}/").get_data(as_text=True), re.S)


def test_office_review_created_elsewhere_meanwhile_is_a_conflict(client, round_dir):
    path = round_dir / OFFICE / "kontor.yaml"
    original = path.read_text(encoding="utf-8")
    path.unlink()
    url = f"/kontor/{OFFICE}/kontorvurdering"
    form = form_of(client.get(url).get_data(as_text=True))
    path.write_text(original, encoding="utf-8")
    assert client.post(url, data=replace(form, reviewers="KB")).status_code == 409
    assert path.read_text(encoding="utf-8") == original


# --------------------------------------------------------------------------- reports


def finish_job(client, response) -> str:
    """"Lag rapport" starts a job (issue 16): wait for it; the job page as text."""
    from kvp_audit.web.builds import RUNNER

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/rapporter/jobb/")
    RUNNER.wait(location.rsplit("/", 1)[1], 300)
    return client.get(location).get_data(as_text=True)


def test_build_report_from_the_office_page(client, round_dir, tmp_path):
    token = token_of(client)
    assert client.get(f"/kontor/{OFFICE}/rapport.html").status_code == 404
    response = client.post(f"/kontor/{OFFICE}/rapport", data={"csrf_token": token})
    job = finish_job(client, response)
    assert "Rapporten er laget" in job
    report = tmp_path / "reports" / "fiktivfylke-2026" / f"{OFFICE}.html"
    assert report.is_file()
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    assert f'href="/kontor/{OFFICE}/rapport.html"' in page
    served = client.get(f"/kontor/{OFFICE}/rapport.html")
    assert served.status_code == 200 and "NAV Bergtun" in served.get_data(as_text=True)
    assert "script-src" not in served.headers["Content-Security-Policy"]
    assert client.get(f"/kontor/{OFFICE}/rapport.exe").status_code == 404


def test_build_report_with_pdf_and_docx(round_dir, tmp_path):
    pytest.importorskip("weasyprint")
    app = create_app(round_dir, reports_dir=tmp_path / "reports")
    client = app.test_client()
    response = client.post(f"/kontor/{OFFICE}/rapport", data={"csrf_token": token_of(client)})
    finish_job(client, response)
    pdf = client.get(f"/kontor/{OFFICE}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    page = client.get(f"/kontor/{OFFICE}/").get_data(as_text=True)
    assert f'href="/kontor/{OFFICE}/rapport.docx">Rapporten som Word-dokument (DOCX), til redigering' in page
    docx = client.get(f"/kontor/{OFFICE}/rapport.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")  # a zip package, as every .docx
    assert docx.headers["Content-Disposition"] == f"attachment; filename={OFFICE}.docx"
    assert docx.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_report_refused_while_the_round_has_errors(client, round_dir):
    path = case_file(round_dir)
    path.write_text(path.read_text(encoding="utf-8").replace("answer: ja", "answer: kanskje", 1), encoding="utf-8")
    response = client.post(f"/kontor/{OFFICE}/rapport", data={"csrf_token": token_of(client)})
    page = finish_job(client, response)  # the job page says why (it answered 422 before it was a job)
    assert "Rapporten kunne ikke lages" in page and "kanskje" in page


# --------------------------------------------------------------------------- library and command line


def test_save_review_without_flask(round_dir):
    from kvp_audit.web.reviews import FormValues, RoundSite, open_review, save_review

    site = RoundSite(round_dir)
    target = site.case_target(site.office(OFFICE), CASE)
    opened = open_review(target)
    opened.values.answers["SV-01"] = "delvis"
    result = save_review(target, opened.values, opened.hash)
    assert result.status == "saved" and result.hash == file_hash(target.path)
    assert save_review(target, opened.values, opened.hash).status == "conflict"
    assert save_review(target, opened.values, result.hash).status == "unchanged"
    assert isinstance(FormValues.from_form(MultiDict(opened.values.pairs()), target), FormValues)


def test_serve_help_has_an_example():
    from click.testing import CliRunner

    from kvp_audit.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "kvp-audit serve examples/fiktivfylke/2026" in result.output
    for option in ("--port", "--host", "--no-browser", "--lang"):
        assert option in result.output


def test_serve_missing_round_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    result = CliRunner().invoke(main, ["serve", str(tmp_path / "finnes-ikke"), "--no-browser"])
    assert result.exit_code == 2 and "fant ikke mappen" in result.output


def _start(round_dir: Path, *args: str):
    proc = subprocess.Popen([sys.executable, "-m", "kvp_audit.cli", "serve", str(round_dir), "--port", "0",
                             "--no-browser", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    assert match, line + proc.stderr.read()
    return proc, match.group(1)


def test_serve_binds_to_loopback_and_stops_cleanly_on_ctrl_c(round_dir):
    import urllib.request

    proc, url = _start(round_dir)
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200 and "NAV Fjellby" in response.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Serveren er stoppet." in out
    assert "Traceback" not in err


def test_serve_warns_when_another_host_is_chosen(round_dir):
    proc, url = _start(round_dir, "--host", "0.0.0.0")
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert "Advarsel: med --host 0.0.0.0" in err
    assert proc.returncode == 0


# --------------------------------------------------------------------------- round trip of any text

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.sampled_from(["2026-01-01", "12", "true", "null", "~", "ja", "- x", "# x", "a: b", "'q'", "\"q\"",
                     "x\r\n  y", "a\u2028b", "a\x1bb", "\ufeffa", "  ", "a\n\tb", "1e3", "0x1F", ".inf"]),
))
def test_any_comment_text_is_stored_exactly_or_refused(round_dir, text):
    """Whatever a reviewer types comes back from the file as typed (or is refused, unwritten)."""
    from kvp_audit.web.reviews import FormValues, RoundSite, load_document, open_review, save_review
    from kvp_audit.yamlio import loads

    site = RoundSite(round_dir)
    target = site.case_target(site.office(OFFICE), CASE)
    opened = open_review(target)
    before = target.path.read_bytes()
    form = MultiDict([(k, v) for k, v in opened.values.pairs() if k not in ("comment.SV-01", "answer.IN-91")])
    form.add("comment.SV-01", text)
    form.add("answer.IN-91", "annet")
    values = FormValues.from_form(form, target)
    result = save_review(target, values, opened.hash)
    if result.status == "refused":
        assert target.path.read_bytes() == before
        return
    cleaned = values.comments["SV-01"]
    # every text is stored as text, a date-like one ('2026-01-01') included
    assert result.status in ("saved", "unchanged"), result.messages
    saved = target.path.read_text(encoding="utf-8")
    stored = loads(saved)["answers"]["SV-01"].get("comment", "")
    assert stored == cleaned
    assert "\r" not in stored and stored == stored.strip()
    # The written file can be opened in the form again.
    load_document(saved)
    # Put the file back for the next example.
    target.path.write_bytes(before)


def test_serve_opens_the_browser_and_passes_the_language(round_dir, monkeypatch):
    """`kvp-audit serve` without --no-browser opens the page; Ctrl-C ends it with exit code 0."""
    import threading

    from click.testing import CliRunner

    from kvp_audit.cli import main
    from kvp_audit.web import server as server_module

    opened = threading.Event()
    seen = {}

    class FakeServer:
        server_port = 8000

        def __init__(self, app):
            self.kvp_app = app

        def serve_forever(self):
            opened.wait(10)
            raise KeyboardInterrupt

        def server_close(self):
            seen["closed"] = True

    def fake_make_server(round_dir, host, port, lang, reports_dir=None):
        seen.update(host=host, port=port, lang=lang)
        return FakeServer(create_app(round_dir, lang=lang))

    def fake_open(url):
        seen["url"] = url
        opened.set()

    monkeypatch.setattr(server_module, "make_server", fake_make_server)
    monkeypatch.setattr("webbrowser.open", fake_open)
    result = CliRunner().invoke(main, ["serve", str(round_dir), "--lang", "nn"])
    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 8000, "lang": "nn", "url": "http://127.0.0.1:8000/", "closed": True}
    assert "Tenaren er stoppa." in result.output


# --------------------------------------------------------------------------- hardening (issue 11)


def test_report_in_the_default_folder_is_served(round_dir, tmp_path, monkeypatch):
    """Without --out the reports go to ./reports/<round> (as `kvp-audit report`), and the download finds them."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = create_app(round_dir, report_formats=("html",))
    client = app.test_client()
    monkeypatch.chdir(tmp_path)  # the working directory at start-up counts, not at the request
    finish_job(client, client.post(f"/kontor/{OFFICE}/rapport", data={"csrf_token": token_of(client)}))
    assert (work / "reports" / "fiktivfylke-2026" / f"{OFFICE}.html").is_file()
    served = client.get(f"/kontor/{OFFICE}/rapport.html")
    assert served.status_code == 200 and "NAV Bergtun" in served.get_data(as_text=True)
    assert client.get(f"/kontor/{OFFICE}/rapport.pdf").status_code == 404


@pytest.fixture
def live_server(round_dir, tmp_path):
    """The real server in a thread, with a short read timeout; yields (server, port)."""
    import threading

    from kvp_audit.web.server import make_server

    srv = make_server(round_dir, "127.0.0.1", 0, reports_dir=tmp_path / "reports", read_timeout=2)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, srv.server_port
    srv.shutdown()
    srv.server_close()


def _raw(port: int, request: bytes, timeout: float = 8) -> tuple[bytes, float]:
    """Send ``request`` on a new connection; the whole answer and how long it took."""
    import socket

    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks), time.monotonic() - start


def test_a_stalled_post_holds_up_no_other_request(live_server, round_dir):
    """A client that announces 1000 bytes and sends three gets 408; meanwhile the form answers others."""
    import threading

    _srv, port = live_server
    before = case_file(round_dir).read_bytes()
    stalled: dict = {}

    def stall():
        stalled["answer"], stalled["seconds"] = _raw(port, (
            f"POST {CASE_URL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nabc").encode())

    thread = threading.Thread(target=stall, daemon=True)
    thread.start()
    time.sleep(0.3)  # the stalled request is in, waiting for its body
    answer, seconds = _raw(port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200") and seconds < 3, (answer[:80], seconds)
    thread.join(10)
    assert not thread.is_alive()
    assert stalled["answer"].startswith(b"HTTP/1.1 408"), stalled["answer"][:200]
    assert "forespørselen kom ikke fram i tide" in stalled["answer"].decode()
    assert 1.5 < stalled["seconds"] < 6
    assert case_file(round_dir).read_bytes() == before


def test_a_post_cut_short_is_refused_and_writes_nothing(live_server, round_dir):
    import socket

    _srv, port = live_server
    before = case_file(round_dir).read_bytes()
    with socket.create_connection(("127.0.0.1", port), timeout=8) as sock:
        sock.sendall((f"POST {CASE_URL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nabc").encode())
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 400") and "før hele skjemaet kom fram" in answer.decode()
    assert case_file(round_dir).read_bytes() == before


def test_too_large_a_post_is_413_before_its_body_is_read(live_server):
    _srv, port = live_server
    answer, seconds = _raw(port, (
        f"POST {CASE_URL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\nabc").encode())
    assert answer.startswith(b"HTTP/1.1 413") and seconds < 3


def test_a_post_through_the_real_server_still_saves(live_server, round_dir):
    """The body read ahead of the app is the body the app sees: a browser's save works."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    _srv, port = live_server
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    url = f"http://127.0.0.1:{port}{CASE_URL}"
    page = opener.open(url, timeout=10).read().decode()
    body = urllib.parse.urlencode(list(replace(form_of(page), **{"answer.SV-01": "nei"}).items(multi=True))).encode()
    with opener.open(urllib.request.Request(url, data=body), timeout=10) as response:
        assert response.status == 200 and response.url.endswith("?lagret=1")
    assert "SV-01:\n    answer: nei" in case_file(round_dir).read_text(encoding="utf-8") or \
        "SV-01: nei" in case_file(round_dir).read_text(encoding="utf-8")


@pytest.mark.parametrize("name, raw", [
    ("nul", b"\x00"),
    ("esc", b"\x1b"),
])
def test_a_file_with_a_control_character_is_never_a_500_and_never_written(client, round_dir, name, raw):
    path = case_file(round_dir)
    data = path.read_bytes().replace(b"answers:", b"answers: #" + raw, 1)
    path.write_bytes(data)
    page = client.get(CASE_URL).get_data(as_text=True)
    assert "Filen kan ikke leses" in page and f"kontrolltegnet U+{ord(raw):04X}" in page
    response = client.post(CASE_URL, data={"csrf_token": token_of(client), "base_hash": file_hash(path),
                                           "reviewers": "KB", "answer.SV-01": "nei"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Filen kan ikke leses" in text and "K-3RRV79.yaml" in text and "kontrolltegnet" in text
    assert path.read_bytes() == data
    autosave = client.post(CASE_URL, headers={"X-Requested-With": "fetch"},
                           data={"csrf_token": token_of(client), "base_hash": file_hash(path), "reviewers": "KB"})
    assert autosave.status_code == 200 and autosave.get_json()["status"] == "invalid"
    assert "K-3RRV79.yaml" in autosave.get_json()["message"]
    assert path.read_bytes() == data


def test_a_file_with_a_bom_can_be_saved(client, round_dir):
    path = case_file(round_dir)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    page = client.get(CASE_URL)
    assert page.status_code == 200 and "Filen kan ikke leses" not in page.get_data(as_text=True)
    form = replace(form_of(page.get_data(as_text=True)), **{"answer.SV-01": "nei"})
    assert client.post(CASE_URL, data=form).status_code == 303
    assert "answer: nei" in path.read_text(encoding="utf-8-sig")
    assert problems_of(round_dir) == []


def test_round_trip_loader_refuses_deep_nesting_with_a_problem():
    """ruamel recurses per level: deep nesting is a YamlFileError naming the file, never a RecursionError."""
    from kvp_audit.yamlio import YamlFileError
    from kvp_audit.yamlrt import load_document

    with pytest.raises(YamlFileError) as caught:
        load_document("note:\n" + "- " * 20000 + "\n", Path("nav-bergtun/K-1.yaml"))
    assert caught.value.problem.path.endswith("K-1.yaml")


def test_web_modules_import_one_way():
    """fields <- … <- pairing <- core <- the page modules <- app <- workspace <- server: no module imports a later one."""
    import ast

    order = ["fields", "findings", "reviews", "followups", "view", "reportfile", "pairing", "core",
             "roundfile", "overview", "builds", "checklists", "records", "app", "workspace", "server"]
    folder = REPO / "kvp_audit" / "web"
    assert sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__") == sorted(order)
    for name in order:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):  # function-level imports count too
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                imported |= {node.module} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kvp_audit.web."):
                imported.add(node.module.rsplit(".", 1)[1])
        later = imported & set(order[order.index(name):])
        assert not later, f"web/{name}.py imports {sorted(later)}"
    for outside in ("yamlrt", "yamlio"):
        text = (REPO / "kvp_audit" / f"{outside}.py").read_text(encoding="utf-8")
        assert ".web" not in text and "kvp_audit.web" not in text


def test_a_file_that_is_not_utf8_is_shown_as_unreadable_and_never_rewritten(client, round_dir):
    """The form reads files as the command line does: a Latin-1 byte is refused with file and line, not replaced."""
    path = case_file(round_dir)
    data = path.read_bytes().replace(b"answers:", b"answers:  # s\xe6rlig", 1)
    path.write_bytes(data)
    line = data[:data.index(b"\xe6")].count(b"\n") + 1
    page = client.get(CASE_URL).get_data(as_text=True)
    assert "Filen kan ikke leses" in page and f"K-3RRV79.yaml:{line}" in page and "ikke UTF-8-tekst" in page
    response = client.post(CASE_URL, data={"csrf_token": token_of(client), "base_hash": "", "reviewers": "KB",
                                           "answer.SV-01": "nei"})
    assert response.status_code == 422 and "ikke UTF-8-tekst" in response.get_data(as_text=True)
    assert path.read_bytes() == data


def test_routes_are_plain_functions_of_the_app_module(app):
    """Every page is a module-level function (testable and readable on its own), not a closure in create_app;
    the page modules of issue 16 (roundfile, overview, ...) add theirs through ``all_routes``."""
    import importlib

    from kvp_audit.web import app as app_module

    views = {name: view for name, view in app.view_functions.items() if name != "static"}
    # app's own pages, and since issue 16 those of the page modules (builds has the report downloads)
    assert len(views) == len(app_module.all_routes())
    assert {"build_report", "report_file", "followup_report_file"} <= set(views)
    for name, view in views.items():
        module = importlib.import_module(view.__module__)
        assert module.__name__.startswith("kvp_audit.web."), name
        assert getattr(module, name) is view and view.__closure__ is None, name
    assert app_module.web_state(app).site.round.id == "fiktivfylke-2026"


def test_a_deeply_nested_file_is_unreadable_in_the_form_and_never_written(client, round_dir):
    """20,000 levels of '- ' (which crashed the process): every page answers; the form shows why and writes nothing."""
    path = case_file(round_dir)
    data = path.read_bytes() + b"extra:\n" + b"- " * 20000 + b"\n"
    path.write_bytes(data)
    page = client.get(CASE_URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Filen kan ikke leses" in text and "nestet dypere" in text
    assert client.get(f"/kontor/{OFFICE}/").status_code == 200
    assert client.get("/").status_code == 200
    response = client.post(CASE_URL, data={"csrf_token": token_of(client), "base_hash": "", "reviewers": "KB"})
    assert response.status_code == 422 and "nestet dypere" in response.get_data(as_text=True)
    assert path.read_bytes() == data


def test_a_fifo_as_office_review_blocks_nothing(client, round_dir):
    """kontor.yaml as a named pipe (which blocked every read forever): the pages answer, the form explains."""
    import os
    import threading

    path = round_dir / OFFICE / "kontor.yaml"
    path.unlink()
    os.mkfifo(path)
    answers: dict = {}

    def visit():
        answers["office"] = client.get(f"/kontor/{OFFICE}/").status_code
        page = client.get(f"/kontor/{OFFICE}/kontorvurdering")
        answers["form"] = page.status_code, page.get_data(as_text=True)
        answers["post"] = client.post(f"/kontor/{OFFICE}/kontorvurdering",
                                      data={"csrf_token": token_of(client), "base_hash": "", "reviewers": "KB"}).status_code

    thread = threading.Thread(target=visit, daemon=True)
    thread.start()
    thread.join(20)
    if thread.is_alive():  # release a blocked reader before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert not thread.is_alive(), "a request blocked on the FIFO"
    assert answers["office"] == 200
    assert answers["form"][0] == 200 and "Filen kan ikke leses" in answers["form"][1]
    assert "pipe" in answers["form"][1]
    assert answers["post"] == 422
    assert not path.is_file()
