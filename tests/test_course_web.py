"""The course in the web form: the round page's overview and the office page's step form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("flask")

from kvp_audit.web.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "fiktivfylke"


@pytest.fixture
def client(round_dir, tmp_path):
    app = create_app(round_dir, reports_dir=tmp_path / "reports", report_formats=("html",))
    app.config["TESTING"] = True
    return app.test_client()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_round_page_shows_the_course(client):
    page = client.get("/").get_data(as_text=True)
    assert '<h2 id="h-course">Forløpet</h2>' in page
    assert '<a href="/kontor/nav-strandvik/#h-course">NAV Strandvik</a>' in page


def test_the_office_page_records_a_step_as_the_command_does(client, round_dir):
    page = client.get("/kontor/nav-lia/").get_data(as_text=True)
    assert '<option value="varsel-sendt">varsel sendt</option>' in page
    response = client.post("/kontor/nav-lia/steg", data={"csrf_token": _token(page), "step": "varsel-sendt",
                                                         "date": "2026-03-02"})
    assert response.status_code == 303
    text = (round_dir / "nav-lia" / "rapport.yaml").read_text(encoding="utf-8")
    assert text.endswith("course:\n  notice_sent: 2026-03-02\n")
    page = client.get("/kontor/nav-lia/").get_data(as_text=True)
    assert "varsel sendt: 2026-03-02" in page  # the flashed note
    assert "<tr><th scope=\"row\">varsel sendt</th><td>2026-03-02</td><td>rapport.yaml</td></tr>" in page


def test_a_refused_step_shows_why_and_writes_nothing(client, round_dir):
    page = client.get("/kontor/nav-lia/").get_data(as_text=True)
    token = _token(page)
    client.post("/kontor/nav-lia/steg", data={"csrf_token": token, "step": "varsel-sendt", "date": "2026-03-02"})
    before = (round_dir / "nav-lia" / "rapport.yaml").read_bytes()
    response = client.post("/kontor/nav-lia/steg", data={"csrf_token": token, "step": "varsel-sendt",
                                                         "date": "2026-03-05"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "varsel sendt er allerede registrert (2026-03-02)" in page
    assert (round_dir / "nav-lia" / "rapport.yaml").read_bytes() == before
    bad = client.post("/kontor/nav-lia/steg", data={"csrf_token": token, "step": "varsel-sendt", "date": "snart"})
    assert bad.status_code == 422 and "&#39;snart&#39; er ikke en dato" in bad.get_data(as_text=True)


def test_the_step_form_needs_the_csrf_token(client, round_dir):
    response = client.post("/kontor/nav-lia/steg", data={"step": "varsel-sendt", "date": "2026-03-02"})
    assert response.status_code == 400
    assert not (round_dir / "nav-lia" / "rapport.yaml").exists()
