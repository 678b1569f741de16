"""The file formats, as pydantic models: the one definition of checklists and audit data.

``kvp-audit checklist schema`` prints the JSON Schema generated from these models, and
the README's format reference is checked against them. Every field has a type, a
default where it is optional, and one line of documentation.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any, Literal

from .i18n import _

from pydantic import (
    BaseModel,
    PrivateAttr,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
# Random case keys drawn by the tool: e.g. "K-7QX2M4". Digits-only keys are refused so a
# key can never be a national identity number.
CASE_KEY_PATTERN = r"^[A-Z]-[0-9A-Z]{4,12}$"
INITIALS_PATTERN = r"^[A-ZÆØÅ]{2,4}$"
# Names Windows keeps for devices, also with an extension (con.pdf): an office or round id is a
# folder and file name there, so these cannot be ids. SLUG_PATTERN already has no dots.
WINDOWS_RESERVED = frozenset(["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))])


def windows_name(value: str) -> str:
    """``value`` when Windows can name a file or folder by it; else a ValueError that says why."""
    if value.split(".", 1)[0].lower() in WINDOWS_RESERVED:
        raise ValueError(_("'{id}' kan ikke brukes som id: Windows reserverer navnet til en enhet "
                           "(CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9); velg et annet, for eksempel "
                           "'nav-{id}'").format(id=value))
    return value


class Scope(str, Enum):
    """What a checklist reviews: one case, one office, or the follow-up workshop."""

    case = "case"
    office = "office"
    followup = "followup"


class Severity(str, Enum):
    """How serious a failed criterion is: krav gives an avvik, anbefaling a merknad."""

    krav = "krav"
    anbefaling = "anbefaling"


class Outcome(str, Enum):
    """The outcome of one criterion in one case. Only the first three are ever scored."""

    oppfylt = "oppfylt"
    delvis = "delvis"
    ikke_oppfylt = "ikke oppfylt"
    ikke_aktuelt = "ikke aktuelt"
    ubesvart = "ubesvart"

    @property
    def counts(self) -> bool:
        """Whether this outcome takes part in scores (not applicable/unanswered never do)."""
        return self in (Outcome.oppfylt, Outcome.delvis, Outcome.ikke_oppfylt)


class AnswerType(str, Enum):
    """The kind of answer a criterion takes. Only ``scale`` answers are scored."""

    scale = "scale"
    number = "number"
    date = "date"
    choice = "choice"
    text = "text"


class FactType(str, Enum):
    """The type of a case fact that conditions can test."""

    bool = "bool"
    date = "date"
    number = "number"
    choice = "choice"
    text = "text"


class FindingKind(str, Enum):
    """The kind of a finding in a report: a failed krav, a failed anbefaling, or good practice."""

    avvik = "avvik"
    merknad = "merknad"
    god_praksis = "god praksis"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The word in the current language."""
        return {"avvik": _("avvik"), "merknad": _("merknad"), "god praksis": _("god praksis")}[self.value]


class FollowupStatus(str, Enum):
    """Where a finding stands at follow-up; «ikke fulgt opp» is a finding nobody has recorded."""

    lukket = "lukket"
    delvis = "delvis"
    aapen = "åpen"
    ikke_fulgt_opp = "ikke fulgt opp"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The word in the current language."""
        from .i18n import pgettext

        # "delvis" is also an answer (partly met); as a status it means partly closed.
        return {"lukket": _("lukket"), "delvis": pgettext("oppfølging", "delvis"), "åpen": _("åpen"),
                "ikke fulgt opp": _("ikke fulgt opp")}[self.value]


class ReportStatus(str, Enum):
    """Where a report stands: a draft (marked UTKAST on every page) or the final report sent."""

    utkast = "utkast"
    endelig = "endelig"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The word in the current language."""
        return {"utkast": _("utkast"), "endelig": _("endelig")}[self.value]


# The kinds and statuses each file may hold, as the words the files use.
OPEN_KINDS = (FindingKind.avvik, FindingKind.merknad)
RECORDED_STATUSES = (FollowupStatus.lukket, FollowupStatus.delvis, FollowupStatus.aapen)
CARRIED_STATUSES = (FollowupStatus.aapen, FollowupStatus.delvis, FollowupStatus.ikke_fulgt_opp)
_CarriedKind = Literal[tuple(k.value for k in OPEN_KINDS)]  # type: ignore[valid-type]
_CarriedStatus = Literal[tuple(s.value for s in CARRIED_STATUSES)]  # type: ignore[valid-type]
_RecordedStatus = Literal[tuple(s.value for s in RECORDED_STATUSES)]  # type: ignore[valid-type]


SOURCES = ("saksmappe", "Arena", "Modia", "Gosys", "aktivitetsplan", "samtale")
Source = Literal["saksmappe", "Arena", "Modia", "Gosys", "aktivitetsplan", "samtale"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


# --------------------------------------------------------------------------- checklists


class ScaleValue(_Strict):
    """One value of the answer scale, and the outcome and score it stands for."""

    value: str = Field(description="Det revisoren skriver, for eksempel «ja».")
    label: str = Field("", description="Hvordan verdien vises; standard er verdien selv.")
    outcome: Outcome = Field(description="Utfallet svaret gir.")
    score: float | None = Field(
        None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Poeng mellom 0 og 1; tomt for verdier som ikke telles.",
    )

    @model_validator(mode="after")
    def _score_matches_outcome(self) -> ScaleValue:
        if self.outcome.counts and self.score is None:
            raise ValueError(_("verdien '{value}' gir et utfall som telles, og trenger score (0-1)").format(value=self.value))
        if not self.outcome.counts and self.score is not None:
            raise ValueError(_("verdien '{value}' telles ikke, og kan ikke ha score").format(value=self.value))
        return self


DEFAULT_SCALE: list[ScaleValue] = [
    ScaleValue(value="ja", label="Ja", outcome=Outcome.oppfylt, score=1.0),
    ScaleValue(value="delvis", label="Delvis", outcome=Outcome.delvis, score=0.5),
    ScaleValue(value="nei", label="Nei", outcome=Outcome.ikke_oppfylt, score=0.0),
    ScaleValue(value="ikke aktuelt", label="Ikke aktuelt", outcome=Outcome.ikke_aktuelt),
]


class Fact(_Strict):
    """A fact recorded about each case (or office), which conditions can test."""

    type: FactType = Field(description="Faktaets type: bool, date, number, choice eller text.")
    label: str = Field("", description="Spørsmålet eller ledeteksten revisoren ser.")
    help: str = Field("", description="Kort forklaring på hvordan faktaet registreres.")
    options: list[str] = Field(default_factory=list, description="De tillatte verdiene for et valg-fakta (type: choice).")
    required: bool = Field(False, description="Om hver vurdering må ha dette faktaet.")
    compute: str | None = Field(
        None,
        description="Beregnes av verktøyet fra andre fakta og review_date, for eksempel "
                    "\"varighet_mnd - months_between(startdato, review_date)\"; revisoren fyller det ikke inn.",
    )

    @model_validator(mode="after")
    def _options_for_choice(self) -> Fact:
        if self.type == FactType.choice and not self.options:
            raise ValueError(_("et valg-fakta (type: choice) må ha options"))
        if self.type != FactType.choice and self.options:
            raise ValueError(_("bare fakta av type choice kan ha options"))
        return self


class Criterion(_Strict):
    """One question of a checklist, with its legal basis and how a failure is reported."""

    id: str = Field(
        pattern=ID_PATTERN,
        description="Fast id som aldri brukes om igjen for et annet spørsmål (for eksempel «IP-01»).",
    )
    question: str = Field(description="Spørsmålet slik revisoren leser det.")
    short: str = Field(
        "", max_length=40,
        description="Kort navn til kolonneoverskrifter, for eksempel «Rutiner oppdatert» (høyst 40 tegn); tomt: id-en.",
    )
    guidance: str = Field(
        "", description="Markdown: hva som regnes som ja, delvis og nei, og hvor man ser etter."
    )
    legal_basis: list[str] = Field(
        default_factory=list,
        description="Rettslig grunnlag, for eksempel «sotjl. § 30 første ledd», «forskrift om kvalifiseringsprogram § 1».",
    )
    severity: Severity | None = Field(
        None,
        description="krav (ikke oppfylt gir avvik) eller anbefaling (ikke oppfylt gir merknad); påkrevd for svarskala.",
    )
    weight: float = Field(1.0, gt=0, le=1000, allow_inf_nan=False,
                          description="Kriteriets vekt i vektede resultater (over 0, høyst 1000).")
    answer: AnswerType = Field(
        AnswerType.scale,
        description="Svartype: scale (gir poeng), eller number, date, choice, text (bare registrert).",
    )
    options: list[str] = Field(default_factory=list, description="De tillatte svarene for et valg-kriterium (answer: choice).")
    unit: str = Field("", description="Enheten for et tallsvar, for eksempel «deltakere».")
    applies_when: str | None = Field(
        None,
        description="Betingelse på faktaene, for eksempel \"status == 'avsluttet' and har_barn\"; tom betyr alltid.",
    )
    recommendation: str = Field(
        "", description="Markdown: anbefalingen rapporten gir når kriteriet ikke er oppfylt."
    )
    replaces: list[str] = Field(
        default_factory=list,
        description="Id-er for kriterier i eldre versjoner som dette erstatter (nytt navn, delt eller slått sammen).",
    )

    @field_validator("legal_basis", "replaces", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        if self.answer == AnswerType.scale and self.severity is None:
            raise ValueError(_("et kriterium med svarskala må ha severity: krav eller anbefaling"))
        if self.answer == AnswerType.choice and not self.options:
            raise ValueError(_("et kriterium med answer: choice må ha options"))
        if self.answer != AnswerType.choice and self.options:
            raise ValueError(_("bare kriterier med answer: choice kan ha options"))
        return self

    @property
    def scored(self) -> bool:
        """Whether answers to this criterion are scored (only the answer scale is)."""
        return self.answer == AnswerType.scale

    @property
    def label(self) -> str:
        """The criterion's column header: its short label, else its id."""
        return self.short or self.id


class Theme(_Strict):
    """A group of criteria shown and scored together, e.g. 'Søknad og vedtak'."""

    id: str = Field(pattern=ID_PATTERN, description="Temaets faste id.")
    title: str = Field(description="Temaets overskrift i skjema og rapporter.")
    description: str = Field("", description="Markdown: hva temaet handler om.")
    criteria: list[Criterion] = Field(min_length=1, description="Temaets kriterier, i rekkefølge.")


class Checklist(_Strict):
    """A checklist: themes holding criteria, with the facts that decide when each applies."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"title": "kvp-audit checklist"},
    )

    id: str = Field(pattern=SLUG_PATTERN, description="Sjekklistens id, for eksempel «kvp-sak».")
    title: str = Field(description="Sjekklistens tittel.")
    version: str = Field(
        pattern=r"^[0-9][0-9A-Za-z.-]*$",
        description="Versjonen, for eksempel «2026.1»; runden oppgir hvilken versjon den bruker.",
    )
    scope: Scope = Field(description="Hva som vurderes: case (sak), office (kontor) eller followup (oppfølging).")
    language: Literal["nb", "nn", "en"] = Field("nb", description="Språket sjekklisten er skrevet på.")
    description: str = Field("", description="Markdown: hva sjekklisten er til.")
    note: str = Field("", description="Fri merknad, for eksempel at filen holder fiktive data.")
    valid_from: dt.date | None = Field(None, description="Datoen denne versjonen gjelder fra.")
    scale: list[ScaleValue] = Field(
        default_factory=lambda: [v.model_copy() for v in DEFAULT_SCALE],
        description="Svarskalaen; standard er ja, delvis, nei, ikke aktuelt.",
    )
    facts: dict[str, Fact] = Field(
        default_factory=dict, description="Faktaene som registreres for hver vurdering, etter navn, og som betingelsene bruker."
    )
    themes: list[Theme] = Field(min_length=1, description="Temaene, i rekkefølge.")

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("facts")
    @classmethod
    def _fact_names(cls, value: dict[str, Fact]) -> dict[str, Fact]:
        for name in value:
            if not re.match(r"^[a-zæøå_][a-zæøå0-9_]*$", name):
                raise ValueError(_("fakta-navnet '{name}' må være små bokstaver, tall og _").format(name=name))
        return value

    @property
    def ref(self) -> str:
        """The reference a round uses: ``id@version``."""
        return f"{self.id}@{self.version}"

    # The lookups below are asked for once per review file; a checklist is not changed
    # after loading, so each is worked out once (kept in a private attribute).
    _memo: dict = PrivateAttr(default_factory=dict)

    def _cached(self, name: str, build):
        value = self._memo.get(name)
        if value is None:
            value = self._memo[name] = build()
        return value

    def criteria(self) -> list[Criterion]:
        """Every criterion, in checklist order."""
        return list(self._cached("criteria", lambda: [c for t in self.themes for c in t.criteria]))

    def criterion_map(self) -> dict[str, Criterion]:
        """Criteria by id (shared: do not change the dict)."""
        return self._cached("criterion_map", lambda: {c.id: c for t in self.themes for c in t.criteria})

    def theme_of(self) -> dict[str, Theme]:
        """The theme of each criterion, by criterion id."""
        return self._cached("theme_of", lambda: {c.id: t for t in self.themes for c in t.criteria})

    def scale_map(self) -> dict[str, ScaleValue]:
        """The scale values by what the reviewer writes."""
        return self._cached("scale_map", lambda: {v.value: v for v in self.scale})


# --------------------------------------------------------------------------- rounds


class ChecklistRef(_Strict):
    """A reference to one version of a checklist: ``kvp-sak@2026.1``."""

    id: str = Field(pattern=SLUG_PATTERN, description="Sjekklistens id.")
    version: str = Field(description="Sjekklistens versjon.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            ident, sep, version = value.partition("@")
            if not sep or not version:
                raise ValueError(_("skriv sjekklisten som id@versjon, for eksempel kvp-sak@2026.1 (fikk '{value}')").format(value=value))
            return {"id": ident, "version": version}
        return value

    def __str__(self) -> str:
        return f"{self.id}@{self.version}"


class RoundChecklists(_Strict):
    """The checklist versions a round uses, one per scope."""

    case: ChecklistRef = Field(description="Sjekklisten for saker, for eksempel kvp-sak@2026.1.")
    office: ChecklistRef | None = Field(None, description="Sjekklisten for kontorvurderingen.")
    followup: ChecklistRef | None = Field(None, description="Sjekklisten for oppfølgingsverkstedet.")


class Period(_Strict):
    """The period of a round."""

    start: dt.date = Field(description="Rundens første dag (ÅÅÅÅ-MM-DD).")
    end: dt.date = Field(description="Rundens siste dag (ÅÅÅÅ-MM-DD).")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(_("slutt (end) kan ikke være før start"))
        return self


class Office(_Strict):
    """An office in a round: its folder name and how it is shown."""

    id: str = Field(pattern=SLUG_PATTERN, description="Kontorets mappenavn, for eksempel «nav-fjellby».")
    name: str = Field(description="Kontorets navn slik det vises, for eksempel «NAV Fjellby».")
    municipality: str = Field("", description="Kommunen eller kommunene kontoret dekker.")

    @field_validator("id", mode="after")
    @classmethod
    def _valid_on_windows(cls, value: str) -> str:
        return windows_name(value)


class CarriedFinding(_Strict):
    """A finding from an earlier round that was still open when this round began."""

    id: str = Field(description="Funnets id i runden det kom fra: runde/kontor/kriterium.")
    kind: _CarriedKind = Field(description="avvik eller merknad.")
    criterion: str = Field(description="Kriteriets id i sjekklisten funnet kom fra.")
    question: str = Field("", description="Kriteriets spørsmål, for lesbarhet.")
    status: _CarriedStatus = Field(
        description="Status da runden ble laget: åpen, delvis eller ikke fulgt opp."
    )
    now: list[str] = Field(
        default_factory=list,
        description="Kriteriene i denne rundens sjekkliste som svarer til det gamle (via replaces); tom når det ikke finnes noe.",
    )

    @field_validator("kind", mode="after")
    @classmethod
    def _kind_word(cls, value: str) -> FindingKind:
        return FindingKind(value)

    @field_validator("status", mode="after")
    @classmethod
    def _status_word(cls, value: str) -> FollowupStatus:
        return FollowupStatus(value)


class Signatory(_Strict):
    """An official named in a report: a member of the audit team or one who signs it."""

    name: str = Field(min_length=1, description="Navnet på tjenestepersonen (bare i team og signatur, aldri deltakere).")
    title: str = Field("", description="Stillingen, for eksempel «seniorrådgiver».")


class StandardTexts(_Strict):
    """The round's standard texts (Markdown), used where an office's rapport.yaml has none of its own."""

    summary: str = Field("", description="Markdown: sammendraget.")
    visit: str = Field("", description="Markdown: om besøket.")
    sample: str = Field("", description="Markdown: om utvalget av saker.")
    conclusion: str = Field("", description="Markdown: konklusjonen.")


class CountySummary(_Strict):
    """The county summary's status, date and the team's own text."""

    status: ReportStatus = Field(description="utkast eller endelig; et utkast merkes UTKAST.")
    date: dt.date | None = Field(None, description="Datoen på fylkesoppsummeringen; tom: som i dag.")
    text: str = Field("", description="Markdown: teamets tekst for fylket som helhet.")


class CourseDefaults(_Strict):
    """The round's default deadlines of the course: a deadline follows from its step."""

    comments_weeks: int = Field(
        3, ge=0, le=52, description="Frist for kontorets merknader til utkastet: uker etter at utkastet er sendt.")
    plan_weeks: int = Field(
        6, ge=0, le=104, description="Frist for kontorets plan for retting: uker etter at endelig rapport er sendt.")


class RoundReport(_Strict):
    """Round-level defaults for the office reports, and the county summary's status and text."""

    sender: str = Field("", description="Avsender, for eksempel «Statsforvalteren i Fiktivfylke».")
    reference: str = Field("", description="Saksnummer, for eksempel «2026/4711».")
    reply_weeks: int | None = Field(
        None, ge=1, le=52, description="Svarfrist i uker etter rapportdatoen, når rapport.yaml ikke har reply_deadline."
    )
    signature: list[Signatory] = Field(default_factory=list, description="Hvem som signerer rapportene (navn og tittel).")
    texts: StandardTexts = Field(default_factory=StandardTexts, description="Standardtekster for alle kontorene.")
    summary: CountySummary | None = Field(None, description="Fylkesoppsummeringens status, dato og tekst.")
    course: CourseDefaults = Field(default_factory=CourseDefaults,
                                   description="Standardfrister i forløpet (uker etter steget fristen følger av).")

    @field_validator("course", mode="before")
    @classmethod
    def _no_course(cls, value: Any) -> Any:
        return {} if value is None else value


class Round(_Strict):
    """An audit round: a folder with ``runde.yaml`` and one folder per office."""

    id: str = Field(pattern=SLUG_PATTERN, description="Rundens id, for eksempel «fiktivfylke-2026».")
    name: str = Field(description="Rundens navn, for eksempel «Kvalitetsinnsyn KVP 2026».")
    county: str = Field(description="Fylket (Statsforvalterens område) runden gjelder.")
    period: Period = Field(description="Når runden pågår.")
    checklists: RoundChecklists = Field(description="Sjekklisteversjonene runden bruker.")
    offices: list[Office] = Field(min_length=1, description="Kontorene som gjennomgås i runden.")
    previous: str | None = Field(
        None, description="Sti (fra denne mappen) til fylkets forrige runde, for eksempel ../2024."
    )
    note: str = Field("", description="Fri merknad, for eksempel at runden holder fiktive data.")
    carried: dict[str, list[CarriedFinding]] = Field(
        default_factory=dict,
        description="Åpne funn fra forrige runde per kontor-id, skrevet av 'kvp-audit new round --from'.",
    )
    report: RoundReport | None = Field(
        None, description="Felles verdier for kontorrapportene (avsender, saksnummer, tekster) og fylkesoppsummeringen."
    )

    @field_validator("id", mode="after")
    @classmethod
    def _valid_on_windows(cls, value: str) -> str:
        return windows_name(value)

    @field_validator("offices")
    @classmethod
    def _unique_offices(cls, value: list[Office]) -> list[Office]:
        seen: set[str] = set()
        for office in value:
            if office.id in seen:
                raise ValueError(_("kontoret '{office}' står to ganger").format(office=office.id))
            seen.add(office.id)
        return value

    def office(self, office_id: str) -> Office | None:
        """Return the office with this id, or None."""
        return next((o for o in self.offices if o.id == office_id), None)


# --------------------------------------------------------------------------- reviews



class _Fast(BaseModel):
    # Review files are validated by the thousand: no whitespace stripping (YAML already
    # trims plain scalars), and the answer's type is checked against its criterion later.
    model_config = ConfigDict(extra="forbid")


class Answer(_Fast):
    """The answer to one criterion, with an optional comment and where it was found."""

    answer: Any = Field(
        None, description="Svaret: en verdi på skalaen (ja, delvis, nei, ikke aktuelt), eller et tall, en dato, et valg eller tekst."
    )
    comment: str = Field("", description="Markdown: revisorens kommentar.")
    sources: list[Source] = Field(
        default_factory=list,
        description="Hvor dokumentasjonen ble funnet: saksmappe, Arena, Modia, Gosys, aktivitetsplan, samtale.",
    )


def _short_answers(value: Any) -> Any:
    """Allow ``SAK-01: ja`` for ``SAK-01: {answer: ja}`` and ``sources: Arena`` for a list of one.

    Done here, once per review, rather than in a validator on each Answer: a case has
    dozens of answers and a Python validator per answer costs more than all the rest.
    """
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if isinstance(v, dict):
            sources = v.get("sources")
            if isinstance(sources, str):
                v = {**v, "sources": [sources]}
            out[k] = v
        else:
            out[k] = {"answer": v}
    return out


class _Review(_Fast):
    reviewers: list[str] = Field(
        min_length=1, description="Revisorenes initialer (2–4 store bokstaver), aldri navn."
    )
    answers: dict[str, Answer] = Field(
        default_factory=dict, description="Svar per kriterie-id; et kriterium uten svar er «ubesvart», aldri «nei»."
    )
    note: str = Field("", description="Markdown: en generell kommentar.")

    @field_validator("reviewers", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("reviewers")
    @classmethod
    def _initials(cls, value: list[str]) -> list[str]:
        for v in value:
            if not re.match(INITIALS_PATTERN, v):
                raise ValueError(_("'{v}' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn").format(v=v))
        return value

    @field_validator("answers", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _short_answers(value)


class CaseReview(_Review):
    """The review of one case: one YAML file in the office's folder."""

    case: str = Field(
        pattern=CASE_KEY_PATTERN,
        description="Sakens tilfeldige nøkkel fra verktøyet, for eksempel «K-7QX2M4»; aldri fødselsnummer eller navn.",
    )
    office: str = Field(pattern=SLUG_PATTERN, description="Kontorets id (mappen filen ligger i).")
    date: dt.date = Field(description="Datoen saken ble gjennomgått.")
    selection: Literal["kontoret", "tilfeldig", ""] = Field(
        "", description="Hvordan saken ble valgt: «kontoret» (valgt av kontoret) eller «tilfeldig» (trukket)."
    )
    position: int | None = Field(
        None, ge=1, description="Plassen saken ble trukket på (kvp-audit sample), når selection er «tilfeldig».")
    stratum: str = Field("", description="Gruppen saken ble trukket fra, for eksempel «pågående»; tom: uten grupper.")
    facts: dict[str, Any] = Field(default_factory=dict, description="Fakta om saken, med navnene fra sjekklisten.")


class OfficeReview(_Review):
    """The office review: ``kontor.yaml`` in the office's folder."""

    office: str = Field(pattern=SLUG_PATTERN, description="Kontorets id (mappen filen ligger i).")
    visit_dates: list[dt.date] = Field(min_length=1, description="Besøksdato(er).")
    met: list[str] = Field(
        default_factory=list,
        description="Hvem revisorene møtte, som roller (for eksempel «leder», «KVP-veileder»), aldri navn.",
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="Fakta om kontoret, med navnene fra sjekklisten.")

    @field_validator("visit_dates", "met", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if isinstance(value, (str, dt.date)):
            return [value]
        return value


class FindingFollowup(_Strict):
    """What an office did with one finding from an earlier report."""

    status: _RecordedStatus = Field(description="lukket, delvis eller åpen.")
    action: str = Field("", description="Markdown: hva kontoret har gjort.")
    evidence: str = Field("", description="Markdown: dokumentasjonen dere så (rutine, saksnotater, ...).")
    date: dt.date | None = Field(None, description="Når oppfølgingen ble sjekket.")

    @field_validator("status", mode="after")
    @classmethod
    def _status_word(cls, value: str) -> FollowupStatus:
        return FollowupStatus(value)


class FollowupReview(_Review):
    """The follow-up workshop of an office: ``oppfolging.yaml`` in the office's folder."""

    office: str = Field(pattern=SLUG_PATTERN, description="Kontorets id (mappen filen ligger i).")
    date: dt.date = Field(description="Datoen for oppfølgingsverkstedet.")
    facts: dict[str, Any] = Field(default_factory=dict, description="Fakta, med navnene fra sjekklisten.")
    findings: dict[str, FindingFollowup] = Field(
        default_factory=dict, description="Oppfølging per funn-id fra den forrige rapporten."
    )


# --------------------------------------------------------------------------- reports


class ReportText(_Strict):
    """The team's own text in an office report (Markdown); a text left empty uses the round's standard text."""

    summary: str = Field("", description="Markdown: sammendraget, som står først i rapporten.")
    visit: str = Field("", description="Markdown: om besøket: datoer, og hvem dere møtte (roller, aldri navn).")
    sample: str = Field("", description="Markdown: hvordan sakene ble valgt, for eksempel «2 valgt av kontoret, 2 trukket tilfeldig».")
    themes: dict[str, str] = Field(default_factory=dict, description="Markdown: teamets vurdering per tema-id i sjekklisten.")
    conclusion: str = Field("", description="Markdown: konklusjonen.")

    @field_validator("themes", mode="before")
    @classmethod
    def _no_themes(cls, value: Any) -> Any:
        return {} if value is None else value


class Course(_Strict):
    """The course of the audit at one office: the date of each step and the two deadlines."""

    notice_sent: dt.date | None = Field(None, description="Varsel sendt til kontoret.")
    visit: dt.date | None = Field(None, description="Besøket; tom: siste besøksdato i kontor.yaml.")
    draft_sent: dt.date | None = Field(None, description="Utkastet (foreløpig rapport) sendt; låser utkastets funn.")
    comments_deadline: dt.date | None = Field(
        None, description="Frist for kontorets merknader; tom: utkast sendt pluss report.course.comments_weeks.")
    comments_received: dt.date | None = Field(None, description="Kontorets merknader til utkastet mottatt.")
    final_sent: dt.date | None = Field(None, description="Endelig rapport sendt.")
    plan_deadline: dt.date | None = Field(
        None, description="Frist for plan for retting; tom: reply_deadline, ellers endelig sendt pluss report.course.plan_weeks.")
    plan_received: dt.date | None = Field(None, description="Kontorets plan for retting mottatt.")
    followup: dt.date | None = Field(None, description="Oppfølgingen; tom: datoen i oppfolging.yaml.")
    closed: dt.date | None = Field(None, description="Tilsynet lukket: endret praksis er dokumentert.")


class DraftReview(_Strict):
    """What happened between the draft and the final report."""

    comments: str = Field("", description="Markdown: kontorets merknader til utkastet, kort referert (datoen er course.comments_received).")
    changes: dict[str, str] = Field(
        default_factory=dict, description="Teamets begrunnelse per kriterium-id for funn som er endret fra utkastet.")

    @field_validator("changes", mode="before")
    @classmethod
    def _no_changes(cls, value: Any) -> Any:
        return {} if value is None else value


class FollowupText(_Strict):
    """The team's own text in the follow-up report (Markdown)."""

    summary: str = Field("", description="Markdown: sammendraget, som står først i oppfølgingsrapporten.")
    conclusion: str = Field("", description="Markdown: konklusjonen.")


class FollowupReportPart(_Strict):
    """The follow-up report's own part of rapport.yaml: status, date, team and text."""

    status: ReportStatus = Field(description="utkast eller endelig; et utkast merkes UTKAST på hver side.")
    date: dt.date | None = Field(None, description="Rapportdatoen; tom: datoen for oppfølgingsverkstedet.")
    team: list[Signatory] = Field(default_factory=list, description="Teamet; tomt: rapportens team.")
    text: FollowupText = Field(default_factory=FollowupText, description="Teamets egen tekst (Markdown).")

    @field_validator("team", mode="before")
    @classmethod
    def _no_people(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("text", mode="before")
    @classmethod
    def _no_text(cls, value: Any) -> Any:
        return {} if value is None else value


class ReportFile(_Strict):
    """The office report's own file: ``rapport.yaml`` in the office's folder."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"title": "kvp-audit rapport.yaml"},
    )

    status: ReportStatus = Field(description="utkast eller endelig; et utkast merkes UTKAST på hver side.")
    date: dt.date | None = Field(None, description="Rapportdatoen; tom: siste besøksdato.")
    reply_deadline: dt.date | None = Field(
        None, description="Frist for kontorets svar eller plan for retting; tom: rapportdatoen pluss rundens reply_weeks."
    )
    reference: str = Field("", description="Saksnummer; tomt: report.reference i runde.yaml.")
    sender: str = Field("", description="Avsender; tom: report.sender i runde.yaml.")
    team: list[Signatory] = Field(default_factory=list, description="Revisjonsteamet (navn og tittel).")
    signature: list[Signatory] = Field(default_factory=list, description="Hvem som signerer; tom: report.signature i runde.yaml.")
    text: ReportText = Field(default_factory=ReportText, description="Teamets egen tekst (Markdown).")
    course: Course = Field(default_factory=Course, description="Forløpet: datoen for hvert steg og fristene.")
    draft_review: DraftReview = Field(default_factory=DraftReview,
                                      description="Kontorets merknader til utkastet og teamets begrunnelse for endringer.")
    followup_report: FollowupReportPart | None = Field(
        None, description="Oppfølgingsrapportens status, dato, team og tekst.")

    @field_validator("course", "draft_review", mode="before")
    @classmethod
    def _no_part(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("team", "signature", mode="before")
    @classmethod
    def _no_people(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("text", mode="before")
    @classmethod
    def _no_text(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("reference", "sender", mode="before")
    @classmethod
    def _empty_text(cls, value: Any) -> Any:
        return "" if value is None else value


# --------------------------------------------------------------------------- course records


class DraftFinding(_Strict):
    """One finding of the draft as it was sent."""

    id: str = Field(description="Funnets id: runde/kontor/kriterium.")
    kind: Literal["avvik", "merknad", "god praksis"] = Field(description="avvik, merknad eller god praksis.")
    criterion: str = Field(description="Kriteriets id.")
    question: str = Field("", description="Kriteriets spørsmål, for lesbarhet.")
    cases: dict[str, Literal["ikke oppfylt", "delvis"]] = Field(
        default_factory=dict, description="Sakene som ikke oppfylte kriteriet, med utfallet (saksnøkkel: utfall).")


class DraftRecord(_Strict):
    """The draft's findings as sent: ``utkast-sendt.yaml``, written by ``kvp-audit step ... utkast-sendt``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"title": "kvp-audit utkast-sendt.yaml"})

    sent: dt.date = Field(description="Datoen utkastet ble sendt.")
    findings: list[DraftFinding] = Field(default_factory=list, description="Utkastets funn.")


PLAN_STATUSES = ("åpen", "delvis", "lukket")


class PlanItem(_Strict):
    """The office's measure for one finding."""

    measure: str = Field("", description="Markdown: hva kontoret skal gjøre.")
    responsible: str = Field("", description="Hvem som har ansvaret, som rolle («NAV-leder») eller initialer; aldri en deltaker.")
    due: dt.date | None = Field(None, description="Fristen for tiltaket.")
    status: Literal["åpen", "delvis", "lukket"] = Field("åpen", description="åpen, delvis eller lukket.")
    evidence: str = Field("", description="Markdown: dokumentasjonen som viser endringen.")
    checked: dt.date | None = Field(None, description="Når statusen sist ble sjekket.")


class PlanFile(_Strict):
    """The office's plan for retting: ``plan.yaml`` in the office's folder."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"title": "kvp-audit plan.yaml"})

    received: dt.date | None = Field(None, description="Når planen kom.")
    items: dict[str, PlanItem] = Field(default_factory=dict, description="Tiltakene per funn-id (runde/kontor/kriterium).")

    @field_validator("items", mode="before")
    @classmethod
    def _no_items(cls, value: Any) -> Any:
        return {} if value is None else value


class Stratum(_Strict):
    """One group of the population and what was drawn from it."""

    name: str = Field(min_length=1, description="Gruppens navn, for eksempel «pågående»; «alle» uten grupper.")
    population: int = Field(ge=1, description="Hvor mange saker gruppen har (kontorets liste, som verktøyet aldri ser).")
    draw: int = Field(ge=1, description="Hvor mange som ble trukket.")
    positions: list[int] = Field(description="Plassene som ble trukket, i rekkefølge (1 til population).")


class SampleDraw(_Strict):
    """One draw of the office's random sample."""

    date: dt.date = Field(description="Datoen for trekningen.")
    reviewer: str = Field(pattern=INITIALS_PATTERN, description="Initialene til den som trakk.")
    seed: str = Field(min_length=1, description="Frøet trekningen bygger på; med det kan hvem som helst gjenta den.")
    algorithm: Literal["kvp-sha256-1"] = Field("kvp-sha256-1", description="Algoritmen (beskrevet i docs/format.md).")
    strata: list[Stratum] = Field(min_length=1, description="Gruppene og plassene som ble trukket.")


class SampleRecord(_Strict):
    """Every draw of an office's sample: ``utvalg.yaml``, written by ``kvp-audit sample``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"title": "kvp-audit utvalg.yaml"})

    draws: list[SampleDraw] = Field(min_length=1, description="Trekningene, den gjeldende sist.")


def json_schema(kind: str = "checklist") -> dict:
    """Return the JSON Schema of a file kind: checklist, round, case, office, followup, report, plan, sample or draft."""
    model = {
        "checklist": Checklist,
        "round": Round,
        "case": CaseReview,
        "office": OfficeReview,
        "followup": FollowupReview,
        "report": ReportFile,
        "plan": PlanFile,
        "sample": SampleRecord,
        "draft": DraftRecord,
    }[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
