"""Presentation: how scores are put into words and numbers, for every output.

Scoring (:mod:`kvp_audit.scoring`) returns numbers only; the reports, the terminal tables,
the JSON views, the comparisons and the web form take their wording from here, so a figure
is printed the same way everywhere: "3 av 4 saker", and a percentage beside the count only
when at least five cases count ("80 % (4 av 5 saker)").

The figure rule: a percentage printed beside a count is that count's share (4 of 5 is 80 %).
The weighted score (delvis counts half) is printed only where it is named "resultat"
(:func:`format_result`), and the reports say how it is computed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .i18n import _, ngettext
from .models import FollowupStatus, Outcome

if TYPE_CHECKING:
    from .scoring import Tally

LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}

# The short answer shown in a criterion x case table cell.
OUTCOME_SYMBOL = {
    Outcome.oppfylt: "ja",
    Outcome.delvis: "delvis",
    Outcome.ikke_oppfylt: "nei",
    Outcome.ikke_aktuelt: "i.a.",
    Outcome.ubesvart: "–",
}


# --------------------------------------------------------------------------- numbers


def format_percent(score: float, lang: str | None = None) -> str:
    """A share as a whole percentage in the language's style: '75 %' (nb, nn), '75%' (en)."""
    from babel.numbers import format_percent as babel_percent

    from .i18n import current_language

    whole = round(score * 100)  # rounded as before, so the Norwegian text is unchanged
    # The locale's own pattern: Norwegian has a no-break space before the sign, English none.
    return babel_percent(whole / 100, locale=LOCALES[lang or current_language()])


def format_number(value: float | int, lang: str) -> str:
    """'3,5' in Norwegian, '3.5' in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=LOCALES[lang])


def format_date(value: dt.date | None, lang: str) -> str:
    """'12. mars 2026' in the report's language."""
    if value is None:
        return ""
    from babel.dates import format_date as babel_date

    return babel_date(value, format="long", locale=LOCALES[lang])


# --------------------------------------------------------------------------- tallies


def unit_word(unit: str, n: int) -> str:
    """'sak' or 'saker', 'vurdering' or 'vurderinger', by the count, in the current language."""
    if unit == "vurderinger":
        return ngettext("vurdering", "vurderinger", n)
    return ngettext("sak", "saker", n)


def share(tally: Tally) -> float | None:
    """The share of counted outcomes fully met (met / counted), or None when nothing counted."""
    return tally.met / tally.counted if tally.counted else None


def format_count(tally: Tally, unit: str = "saker") -> str:
    """'3 av 4 saker', with the share met beside it only when at least 5 cases count:
    '80 % (4 av 5 saker)'."""
    if tally.counted == 0:
        return _("ingen vurdert")
    text = _("{met} av {n} {unit}").format(met=tally.met, n=tally.counted, unit=unit_word(unit, tally.counted))
    if tally.show_percent:
        text = f"{format_percent(share(tally))} ({text})"
    return text


def format_result(tally: Tally | None) -> str | None:
    """The weighted score (ja 1, delvis 0.5, nei 0) as a percentage, only from 5 cases; else None.

    Print it only where it is named "resultat", never beside a count."""
    if tally is None or tally.score is None or not tally.show_percent:
        return None
    return format_percent(tally.score)


def count_short(tally: Tally) -> str:
    """'2 av 3': the count for a narrow table cell (the column header names the unit)."""
    return _("{met} av {n}").format(met=tally.met, n=tally.counted) if tally.counted else "–"


def count_share(tally: Tally | None) -> str:
    """'80 % (4 av 5)' from 5 cases, else '3 av 4': a table cell whose header names the unit;
    'ingen vurdert' when nothing counted, 'ikke med' when there is no tally."""
    if tally is None:
        return _("ikke med")
    if not tally.counted:
        return _("ingen vurdert")
    text = _("{met} av {n}").format(met=tally.met, n=tally.counted)
    return f"{format_percent(share(tally))} ({text})" if tally.show_percent else text


def count_text(tally: Tally) -> str:
    """'1 av 4 saker, 3 delvis': the counts behind a change, partly met included."""
    text = format_count(tally)
    if tally.partly and tally.counted:
        text += ", " + _("{n} delvis").format(n=tally.partly)
    return text


def tally_view(tally: Tally | None, unit: str = "saker") -> dict:
    """A tally as the templates show it: text with counts; ``percent`` is the share met
    (from 5 cases), ``share`` the same as a number; ``result`` and ``score`` the weighted score."""
    if tally is None:
        return {"text": _("ikke med"), "short": "–", "score": None, "share": None, "percent": None,
                "result": None, "counted": 0}
    score, met_share = tally.score, share(tally)
    percent = format_percent(met_share) if (met_share is not None and tally.show_percent) else None
    short = _("ingen vurdert") if not tally.counted else (percent or f"{tally.met}/{tally.counted}")
    return {
        "text": format_count(tally, unit),
        "short": short,
        "score": None if score is None else round(score, 4),
        "share": None if met_share is None else round(met_share, 4),
        "percent": percent,
        "result": format_result(tally),
        "counted": tally.counted,
        "met": tally.met,
    }


# --------------------------------------------------------------------------- labels


def status_label(status: str) -> str:
    """A follow-up status (lukket, delvis, åpen, ikke fulgt opp) in the current language."""
    return FollowupStatus(status).label


def found_again_label(found_again: bool | None) -> str:
    """Whether a carried finding was found again in this round, in words."""
    return {True: _("funnet igjen"), False: _("ikke funnet igjen"),
            None: _("ikke vurdert i denne runden")}[found_again]


def change_labels() -> dict[str, str]:
    """The words for a change between rounds (bedre, dårligere, ...) and for how criteria
    relate across checklist versions (nytt navn, delt, slått sammen), in the current language."""
    return {"bedre": _("bedre"), "dårligere": _("dårligere"), "uendret": _("uendret"), "ny": _("ny"),
            "utgått": _("utgått"), "samme": "", "nytt navn": _("nytt navn"), "delt": _("delt"),
            "slått sammen": _("slått sammen"), "": "–"}


def relation_label(relation: str) -> str:
    """samme, nytt navn, delt or slått sammen, in the current language."""
    return change_labels()[relation] or _("samme")


def county_labels() -> dict[str, str]:
    """An office's result against the county's (over, under, som fylket), in words."""
    return {"over": _("over fylket"), "under": _("under fylket"), "som fylket": _("som fylket")}
