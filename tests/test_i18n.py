"""Every message has a nynorsk and an English translation, and the compiled catalogues are current."""

import gettext
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("update_catalogs", ROOT / "scripts" / "update_catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated(capsys):
    assert _script().update(check=True) == 0, capsys.readouterr().out


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_compiled_catalogue_matches_po(lang):
    from babel.messages.pofile import read_po

    folder = ROOT / "kvp_audit" / "locale" / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = gettext.GNUTranslations((folder / "messages.mo").open("rb"))
    for message in catalog:
        if message.id and not isinstance(message.id, tuple):
            found = (compiled.pgettext(message.context, message.id) if message.context
                     else compiled.gettext(message.id))
            assert found == message.string, message.id
        elif message.id:
            for n, form in ((1, 0), (2, 1)):
                assert compiled.ngettext(*message.id, n) == message.string[form], message.id


def test_messages_follow_the_language(round_builder):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    round_builder.case("nav-a", "K-AAAA11", {"V-01": "kanskje"})
    out = {lang: CliRunner().invoke(main, ["--lang", lang, "validate", "runde"]).output for lang in ("nb", "nn", "en")}
    assert "'kanskje' er ikke et gyldig svar" in out["nb"]
    assert "'kanskje' er ikkje eit gyldig svar" in out["nn"]
    assert "error: answers.V-01: 'kanskje' is not a valid answer" in out["en"]


@pytest.mark.parametrize(("args", "expected", "not_expected"), [
    (["--lang", "en", "compare", "--help"], ["Compare two rounds office by office", "Example:",
                                             "Compare only this office."], ["Sammenlign"]),
    (["--lang", "nn", "--help"], ["Sjekklister: valider, list opp", "Døme:"], ["Eksempel:"]),
    (["--lang", "en", "new", "round", "--help"], ["Make a new round", "First day, YYYY-MM-DD"], ["Første dag"]),
    (["report", "--help"], ["Lag rapport til hvert kontor", "Eksempel:"], ["Example:"]),
])
def test_help_speaks_the_chosen_language(args, expected, not_expected):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    for text in expected:
        assert text in result.output
    for text in not_expected:
        assert text not in result.output


def test_help_follows_kvp_audit_lang(monkeypatch):
    import subprocess
    import sys

    env = {"KVP_AUDIT_LANG": "en", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "kvp_audit.cli", "--help"], capture_output=True, text=True,
                         env=env, cwd=ROOT).stdout
    assert "Quality review of the qualification programme (KVP)" in out


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_click_catalogue_is_compiled(lang):
    from babel.messages.pofile import read_po

    folder = ROOT / "kvp_audit" / "locale" / lang / "LC_MESSAGES"
    with (folder / "click.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = gettext.GNUTranslations((folder / "click.mo").open("rb"))
    for message in catalog:
        if message.id and not isinstance(message.id, tuple):
            assert message.string, message.id
            assert compiled.gettext(message.id) == message.string, message.id


@pytest.mark.parametrize(("lang", "expected"), [
    ("nb", ["Feil: Mangler argument 'ROUND_DIR'.", "Bruk: kvp-audit validate [OPTIONS] ROUND_DIR",
            "Prøv 'kvp-audit validate --help' for hjelp."]),
    ("nn", ["Feil: Manglar argument 'ROUND_DIR'."]),
    ("en", ["Error: Missing argument 'ROUND_DIR'.", "Usage: kvp-audit validate [OPTIONS] ROUND_DIR"]),
])
def test_usage_errors_speak_the_chosen_language(lang, expected):
    from click.testing import CliRunner

    from kvp_audit.cli import main

    result = CliRunner().invoke(main, ["--lang", lang, "validate"], prog_name="kvp-audit")
    assert result.exit_code == 2
    for text in expected:
        assert text in result.output


def test_no_translation_call_hides_inside_an_f_string():
    """Babel cannot see _() inside an f-string on Python 3.11, so such a text is never translated."""
    import re

    pattern = re.compile(r"""\bf(["'])[^\n]*?\{_\(""")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "kvp_audit").rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []
