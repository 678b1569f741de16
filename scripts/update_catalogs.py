"""Extract messages, update the nynorsk and English catalogues, and compile them.

    python scripts/update_catalogs.py            # extract, update .po, compile .mo
    python scripts/update_catalogs.py --check    # fail if a message lacks a translation

Bokmål is the source language: message ids are the bokmål texts in the code
(``_("...")``) and in the templates (``{{ _("...") }}``). Translate new entries in
kvp_audit/locale/{nn,en}/LC_MESSAGES/messages.po, then run this script again.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kvp_audit" / "locale"
LANGS = ("nn", "en")
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def extract() -> Catalog:
    """Every translatable message in the package and the templates."""
    template = Catalog(project="kvp-audit", locale="nb", fuzzy=False)
    method_map = [("kvp_audit/**.py", "python"), ("templates/**.j2", "jinja2")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options, keywords=KEYWORDS):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for text in cli_help_texts():
        template.add(text, None, [("kvp_audit/cli.py", 0)], auto_comments=["--help"])
    return template


def cli_help_texts() -> list[str]:
    """The help of every command and option, as `kvp-audit ... --help` looks them up."""
    import inspect

    import click

    sys.path.insert(0, str(ROOT))
    from kvp_audit.cli import main

    texts: list[str] = []

    def walk(cmd: click.Command) -> None:
        for obj in (cmd, *cmd.params):
            for attr in ("help", "short_help"):
                value = getattr(obj, attr, None)
                if isinstance(value, str) and value and inspect.cleandoc(value) not in texts:
                    texts.append(inspect.cleandoc(value))
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(main)
    return [t for t in texts if t != "Show the version and exit."]  # click's own text


def update(check: bool = False) -> int:
    template = extract()
    missing = 0
    for lang in LANGS:
        po_path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="kvp-audit")
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or message.fuzzy:
                missing += 1
                print(f"{lang}: mangler oversettelse: {message.id!r}")
        if check:
            continue
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, omit_header=False, sort_output=True)
        po_path.write_bytes(buffer.getvalue())
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        (po_path.with_suffix(".mo")).write_bytes(buffer.getvalue())
        print(f"skrev {po_path.relative_to(ROOT)} og messages.mo")
    return missing


def compile_click(check: bool = False) -> None:
    """Compile the catalogues of click's own texts (kept by hand in click.po; bokmål and nynorsk)."""
    for lang in ("nb", "nn"):
        po_path = LOCALE / lang / "LC_MESSAGES" / "click.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        if check:
            continue
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        po_path.with_suffix(".mo").write_bytes(buffer.getvalue())
        print(f"skrev {po_path.with_suffix('.mo').relative_to(ROOT)}")


if __name__ == "__main__":
    compile_click(check="--check" in sys.argv)
    missing = update(check="--check" in sys.argv)
    sys.exit(1 if missing and "--check" in sys.argv else 0)
