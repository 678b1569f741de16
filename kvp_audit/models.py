"""The file formats, as pydantic models: the one definition of checklists and audit data.

``kvp-audit checklist schema`` prints the JSON Schema generated from these models, and
the README's format reference is checked against them. Every field has a type, a
default where it is optional, and one line of documentation.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any, Literal, Union

from pydantic import (
    BaseModel,
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


SOURCES = ("saksmappe", "Arena", "Modia", "Gosys", "aktivitetsplan", "samtale")
Source = Literal["saksmappe", "Arena", "Modia", "Gosys", "aktivitetsplan", "samtale"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


# --------------------------------------------------------------------------- checklists


class ScaleValue(_Strict):
    """One value of the answer scale, and the outcome and score it stands for."""

    value: str = Field(description="What the reviewer writes, e.g. 'ja'.")
    label: str = Field("", description="How the value is shown; defaults to the value.")
    outcome: Outcome = Field(description="The outcome this answer gives.")
    score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Points between 0 and 1; empty for values that are not scored.",
    )

    @model_validator(mode="after")
    def _score_matches_outcome(self) -> ScaleValue:
        if self.outcome.counts and self.score is None:
            raise ValueError(f"verdien '{self.value}' gir et utfall som telles, og trenger score (0-1)")
        if not self.outcome.counts and self.score is not None:
            raise ValueError(f"verdien '{self.value}' telles ikke, og kan ikke ha score")
        return self


DEFAULT_SCALE: list[ScaleValue] = [
    ScaleValue(value="ja", label="Ja", outcome=Outcome.oppfylt, score=1.0),
    ScaleValue(value="delvis", label="Delvis", outcome=Outcome.delvis, score=0.5),
    ScaleValue(value="nei", label="Nei", outcome=Outcome.ikke_oppfylt, score=0.0),
    ScaleValue(value="ikke aktuelt", label="Ikke aktuelt", outcome=Outcome.ikke_aktuelt),
]


class Fact(_Strict):
    """A fact recorded about each case (or office), which conditions can test."""

    type: FactType = Field(description="The fact's type: bool, date, number, choice or text.")
    label: str = Field("", description="The question or label shown to the reviewer.")
    help: str = Field("", description="A short explanation of how to record the fact.")
    options: list[str] = Field(default_factory=list, description="The allowed values of a choice fact.")
    required: bool = Field(False, description="Whether every review must record this fact.")

    @model_validator(mode="after")
    def _options_for_choice(self) -> Fact:
        if self.type == FactType.choice and not self.options:
            raise ValueError("et valg-fakta (type: choice) må ha options")
        if self.type != FactType.choice and self.options:
            raise ValueError("bare fakta av type choice kan ha options")
        return self


class Criterion(_Strict):
    """One question of a checklist, with its legal basis and how a failure is reported."""

    id: str = Field(
        pattern=ID_PATTERN,
        description="Stable id, never reused for another question (e.g. 'SAK-PLAN-01').",
    )
    question: str = Field(description="The question as the reviewer reads it.")
    guidance: str = Field(
        "", description="Markdown: what counts as ja, delvis and nei, and where to look."
    )
    legal_basis: list[str] = Field(
        default_factory=list,
        description="Legal sources, e.g. 'sotjl. § 30 første ledd', 'forskrift om kvalifiseringsprogram § 1'.",
    )
    severity: Severity | None = Field(
        None,
        description="krav (failing it is an avvik) or anbefaling (failing it is a merknad); required for scale answers.",
    )
    weight: float = Field(1.0, gt=0, description="The criterion's weight in weighted scores.")
    answer: AnswerType = Field(
        AnswerType.scale,
        description="The answer type: scale (scored), or number, date, choice, text (recorded only).",
    )
    options: list[str] = Field(default_factory=list, description="The allowed answers of a choice criterion.")
    unit: str = Field("", description="The unit of a number answer, e.g. 'deltakere'.")
    applies_when: str | None = Field(
        None,
        description="A condition on the facts, e.g. \"status == 'avsluttet' and har_barn\"; empty means always.",
    )
    recommendation: str = Field(
        "", description="Markdown: the recommendation a report gives when the criterion is not met."
    )
    replaces: list[str] = Field(
        default_factory=list,
        description="Ids of criteria in earlier versions that this one replaces (renamed, split or merged).",
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
            raise ValueError("et kriterium med svarskala må ha severity: krav eller anbefaling")
        if self.answer == AnswerType.choice and not self.options:
            raise ValueError("et kriterium med answer: choice må ha options")
        if self.answer != AnswerType.choice and self.options:
            raise ValueError("bare kriterier med answer: choice kan ha options")
        return self

    @property
    def scored(self) -> bool:
        """Whether answers to this criterion are scored (only the answer scale is)."""
        return self.answer == AnswerType.scale


class Theme(_Strict):
    """A group of criteria shown and scored together, e.g. 'Søknad og vedtak'."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id of the theme.")
    title: str = Field(description="The theme's heading in forms and reports.")
    description: str = Field("", description="Markdown: what the theme is about.")
    criteria: list[Criterion] = Field(min_length=1, description="The theme's criteria, in order.")


class Checklist(_Strict):
    """A checklist: themes holding criteria, with the facts that decide when each applies."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"title": "kvp-audit checklist"},
    )

    id: str = Field(pattern=SLUG_PATTERN, description="The checklist's id, e.g. 'kvp-sak'.")
    title: str = Field(description="The checklist's title.")
    version: str = Field(
        pattern=r"^[0-9][0-9A-Za-z.-]*$",
        description="The version, e.g. '2026.1'; a round names the version it uses.",
    )
    scope: Scope = Field(description="What is reviewed: case, office or followup.")
    language: Literal["nb", "nn", "en"] = Field("nb", description="The language the checklist is written in.")
    description: str = Field("", description="Markdown: the purpose of the checklist.")
    note: str = Field("", description="A free note, e.g. that the file holds fictional data.")
    valid_from: dt.date | None = Field(None, description="The date from which this version is used.")
    scale: list[ScaleValue] = Field(
        default_factory=lambda: [v.model_copy() for v in DEFAULT_SCALE],
        description="The answer scale; by default ja, delvis, nei, ikke aktuelt.",
    )
    facts: dict[str, Fact] = Field(
        default_factory=dict, description="The facts recorded per review, by name, for conditions."
    )
    themes: list[Theme] = Field(min_length=1, description="The themes, in order.")

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
                raise ValueError(f"fakta-navnet '{name}' må være små bokstaver, tall og _")
        return value

    @property
    def ref(self) -> str:
        """The reference a round uses: ``id@version``."""
        return f"{self.id}@{self.version}"

    def criteria(self) -> list[Criterion]:
        """Every criterion, in checklist order."""
        return [c for t in self.themes for c in t.criteria]

    def criterion_map(self) -> dict[str, Criterion]:
        """Criteria by id."""
        return {c.id: c for t in self.themes for c in t.criteria}

    def theme_of(self) -> dict[str, Theme]:
        """The theme of each criterion, by criterion id."""
        return {c.id: t for t in self.themes for c in t.criteria}

    def scale_map(self) -> dict[str, ScaleValue]:
        """The scale values by what the reviewer writes."""
        return {v.value: v for v in self.scale}


# --------------------------------------------------------------------------- rounds


class ChecklistRef(_Strict):
    """A reference to one version of a checklist: ``kvp-sak@2026.1``."""

    id: str = Field(pattern=SLUG_PATTERN, description="The checklist id.")
    version: str = Field(description="The checklist version.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            ident, sep, version = value.partition("@")
            if not sep or not version:
                raise ValueError(f"skriv sjekklisten som id@versjon, for eksempel kvp-sak@2026.1 (fikk '{value}')")
            return {"id": ident, "version": version}
        return value

    def __str__(self) -> str:
        return f"{self.id}@{self.version}"


class RoundChecklists(_Strict):
    """The checklist versions a round uses, one per scope."""

    case: ChecklistRef = Field(description="The case review checklist, e.g. kvp-sak@2026.1.")
    office: ChecklistRef | None = Field(None, description="The office review checklist.")
    followup: ChecklistRef | None = Field(None, description="The follow-up workshop checklist.")


class Period(_Strict):
    """The period of a round."""

    start: dt.date = Field(description="First day of the round.")
    end: dt.date = Field(description="Last day of the round.")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("slutt (end) kan ikke være før start")
        return self


class Office(_Strict):
    """An office in a round: its folder name and how it is shown."""

    id: str = Field(pattern=SLUG_PATTERN, description="The office's folder name, e.g. 'nav-fjellby'.")
    name: str = Field(description="The office's display name, e.g. 'NAV Fjellby'.")
    municipality: str = Field("", description="The municipality or municipalities the office serves.")


class Round(_Strict):
    """An audit round: a folder with ``runde.yaml`` and one folder per office."""

    id: str = Field(pattern=SLUG_PATTERN, description="The round's id, e.g. '2026-var'.")
    name: str = Field(description="The round's name, e.g. 'Kvalitetsinnsyn KVP 2026'.")
    county: str = Field(description="The county (Statsforvalteren's area) of the round.")
    period: Period = Field(description="When the round runs.")
    checklists: RoundChecklists = Field(description="The checklist versions the round uses.")
    offices: list[Office] = Field(min_length=1, description="The offices reviewed in the round.")
    previous: str | None = Field(
        None, description="Path (relative to this folder) of the previous round of the county."
    )
    note: str = Field("", description="A free note, e.g. that the round holds fictional data.")

    @field_validator("offices")
    @classmethod
    def _unique_offices(cls, value: list[Office]) -> list[Office]:
        seen: set[str] = set()
        for office in value:
            if office.id in seen:
                raise ValueError(f"kontoret '{office.id}' står to ganger")
            seen.add(office.id)
        return value

    def office(self, office_id: str) -> Office | None:
        """Return the office with this id, or None."""
        return next((o for o in self.offices if o.id == office_id), None)


# --------------------------------------------------------------------------- reviews

AnswerValue = Union[bool, int, float, dt.date, str]


class Answer(_Strict):
    """The answer to one criterion, with an optional comment and where it was found."""

    answer: AnswerValue | None = Field(
        None, description="The answer: a scale value (ja, delvis, nei, ikke aktuelt) or a number, date, choice or text."
    )
    comment: str = Field("", description="Markdown: the reviewer's comment.")
    sources: list[Source] = Field(
        default_factory=list,
        description="Where the evidence was found: saksmappe, Arena, Modia, Gosys, aktivitetsplan, samtale.",
    )

    @field_validator("sources", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value


def _short_answers(value: Any) -> Any:
    """Allow ``SAK-01: ja`` as short for ``SAK-01: {answer: ja}``."""
    if isinstance(value, dict):
        return {
            k: ({"answer": v} if not isinstance(v, dict) else v) for k, v in value.items()
        }
    return value


class _Review(_Strict):
    reviewers: list[str] = Field(
        min_length=1, description="The reviewers' initials (2-4 capital letters), never names."
    )
    answers: dict[str, Answer] = Field(
        default_factory=dict, description="Answers by criterion id; a missing criterion is 'ubesvart'."
    )
    note: str = Field("", description="Markdown: a general comment.")

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
                raise ValueError(f"'{v}' er ikke initialer: bruk 2-4 store bokstaver, for eksempel 'KB', aldri navn")
        return value

    @field_validator("answers", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _short_answers(value)


class CaseReview(_Review):
    """The review of one case: one YAML file in the office's folder."""

    case: str = Field(
        pattern=CASE_KEY_PATTERN,
        description="The case's random key drawn by the tool, e.g. 'K-7QX2M4'; never a national identity number or a name.",
    )
    office: str = Field(pattern=SLUG_PATTERN, description="The office id (the folder the file is in).")
    date: dt.date = Field(description="The date of the review.")
    selection: Literal["kontoret", "tilfeldig", ""] = Field(
        "", description="How the case was chosen: 'kontoret' (by the office) or 'tilfeldig' (drawn at random)."
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="The case's facts, by the checklist's fact names.")


class OfficeReview(_Review):
    """The office review: ``kontor.yaml`` in the office's folder."""

    office: str = Field(pattern=SLUG_PATTERN, description="The office id (the folder the file is in).")
    visit_dates: list[dt.date] = Field(min_length=1, description="The date(s) of the visit.")
    met: list[str] = Field(
        default_factory=list,
        description="Who the reviewers met, by role (e.g. 'leder', 'KVP-veileder'), never by name.",
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="The office's facts, by the checklist's fact names.")

    @field_validator("visit_dates", "met", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if isinstance(value, (str, dt.date)):
            return [value]
        return value


class FindingStatus(str, Enum):
    """The status of a finding at follow-up."""

    lukket = "lukket"
    delvis = "delvis"
    aapen = "åpen"


class FindingFollowup(_Strict):
    """What an office did with one finding from an earlier report."""

    status: FindingStatus = Field(description="lukket, delvis or åpen.")
    action: str = Field("", description="Markdown: what the office did.")
    evidence: str = Field("", description="Markdown: the evidence seen (routine, case notes, ...).")
    date: dt.date | None = Field(None, description="When the follow-up was checked.")


class FollowupReview(_Review):
    """The follow-up workshop of an office: ``oppfolging.yaml`` in the office's folder."""

    office: str = Field(pattern=SLUG_PATTERN, description="The office id (the folder the file is in).")
    date: dt.date = Field(description="The date of the workshop.")
    facts: dict[str, Any] = Field(default_factory=dict, description="Facts, by the checklist's fact names.")
    findings: dict[str, FindingFollowup] = Field(
        default_factory=dict, description="Follow-up per finding id from the earlier report."
    )


def json_schema(kind: str = "checklist") -> dict:
    """Return the JSON Schema of a file kind: checklist, round, case, office or followup."""
    model = {
        "checklist": Checklist,
        "round": Round,
        "case": CaseReview,
        "office": OfficeReview,
        "followup": FollowupReview,
    }[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
