"""Translations: bokmål is the source language; nynorsk and English come from catalogues.

Message ids are the bokmål texts. Catalogues live in ``kvp_audit/locale/<lang>/LC_MESSAGES``
(``messages.po`` edited by hand or with Babel, ``messages.mo`` compiled with
``pybabel compile -d kvp_audit/locale``). The stdlib ``gettext`` reads them at run time,
so translating costs no heavy import.
"""

from __future__ import annotations

import gettext as _gettext
import os
import threading
from pathlib import Path

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_lang = DEFAULT_LANGUAGE
# A thread that sets a language keeps it whatever other threads set (the web server builds
# reports in a thread while requests in another language are answered); a thread that never
# set one sees the last language set anywhere, as before.
_thread = threading.local()
# click's own texts ("Usage:", "Options:", its error messages) are English msgids, in the
# domain "click": bokmål and nynorsk catalogues; English needs none.
_click: _gettext.NullTranslations = _gettext.NullTranslations()


def translations(lang: str) -> _gettext.NullTranslations:
    """Return the translations for ``lang`` (bokmål needs none: its texts are the ids)."""
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation("messages", localedir=LOCALE_DIR, languages=[lang], fallback=True)


def set_language(lang: str | None) -> str:
    """Set the language of messages for this process; ``None`` reads ``KVP_AUDIT_LANG``."""
    global _current, _current_lang
    lang = lang or os.environ.get("KVP_AUDIT_LANG") or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    global _click
    _current = translations(lang)
    _current_lang = lang
    _thread.current, _thread.lang = _current, lang
    _click = (_gettext.NullTranslations() if lang == "en" else
              _gettext.translation("click", localedir=LOCALE_DIR, languages=[lang], fallback=True))
    return lang


def current_language() -> str:
    """The language set by :func:`set_language` (in this thread, if it set one)."""
    return getattr(_thread, "lang", _current_lang)


def _(message: str) -> str:
    """Translate a bokmål message into the current language."""
    return getattr(_thread, "current", _current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a singular and a plural form."""
    return getattr(_thread, "current", _current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate a word that means two things, by the context it is used in.

    "delvis" is an answer (partly met) and a follow-up status (partly closed); "avbrutt"
    is a programme that was discontinued and a command that was aborted.
    """
    return getattr(_thread, "current", _current).pgettext(context, message)


def click_gettext(message: str) -> str:
    """click's own message in the current language."""
    return _click.gettext(message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    """click's own message with plural forms, in the current language."""
    return _click.ngettext(singular, plural, n)


def install_click_translations() -> None:
    """Let click's modules translate their texts through :func:`click_gettext`.

    click looks its texts up with the stdlib's ``gettext.gettext``, which follows the
    environment's locale, not ``--lang``; its module-level names are pointed here instead.
    """
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a click without that module
            continue
        if getattr(module, "_", None) is _gettext.gettext:
            module._ = click_gettext
        if getattr(module, "ngettext", None) is _gettext.ngettext:
            module.ngettext = click_ngettext
