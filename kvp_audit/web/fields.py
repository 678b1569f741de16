"""Form text and YAML values: how a value from a file shows in an input, and how posted text is stored.

The bottom of the web form's modules: it imports none of them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def widget_text(value: Any) -> str:
    """A value from a YAML file as an input field shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean_text(text: str) -> str:
    """Form text as it is stored: LF line ends (browsers send CRLF), no control characters.

    Control characters come only from pasting; YAML readers disagree about them, and a
    file one of them cannot read again would lock the reviewer out of the form.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub("", text).strip()


def to_date(text: str) -> Any:
    """An ISO date typed in the form as a date; any other text unchanged (validation names it)."""
    from ..models import FactType
    from ..valuetypes import FACT_TYPES

    return FACT_TYPES[FactType.date].from_text(text) if text else text
