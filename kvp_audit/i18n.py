"""Translations: bokmål is the source language; nynorsk and English come from catalogues.

Message ids are the bokmål texts. Catalogues live in ``kvp_audit/locale/<lang>/LC_MESSAGES``
(``messages.po`` edited by hand or with Babel, ``messages.mo`` compiled with
``pybabel compile -d kvp_audit/locale``). The stdlib ``gettext`` reads them at run time,
so translating costs no heavy import.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_lang = DEFAULT_LANGUAGE


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
    _current = translations(lang)
    _current_lang = lang
    return lang


def current_language() -> str:
    """The language set by :func:`set_language`."""
    return _current_lang


def _(message: str) -> str:
    """Translate a bokmål message into the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a singular and a plural form."""
    return _current.ngettext(singular, plural, n)
