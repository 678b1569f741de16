"""The format reference and the JSON Schemas in docs/ are generated from the models and current."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_up_to_date():
    spec = importlib.util.spec_from_file_location("gen_format_docs", ROOT / "scripts" / "gen_format_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.write().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run python scripts/gen_format_docs.py")


def test_every_field_is_documented():
    from kvp_audit.models import Answer, CaseReview, Checklist, Criterion, Fact, OfficeReview, Round, Theme

    for model in (Checklist, Theme, Criterion, Fact, Round, CaseReview, OfficeReview, Answer):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
