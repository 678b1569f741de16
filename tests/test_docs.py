"""The README documents every command and every option, so the docs cannot drift."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from kvp_audit.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group=main, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, prefix + (name,))
        else:
            yield " ".join(prefix + (name,)), cmd


@pytest.mark.parametrize(("name", "cmd"), list(commands()), ids=[n for n, _ in commands()])
def test_command_has_a_readme_section(name, cmd):
    assert f"### `kvp-audit {name}`" in README


@pytest.mark.parametrize(
    ("name", "option"),
    [(n, o) for n, c in commands() for p in c.params if isinstance(p, click.Option)
     for o in p.opts if o.startswith("--") and o != "--help"],
)
def test_every_option_is_documented(name, option):
    assert f"`{option}" in README or f" {option} " in README or f" {option}=" in README, \
        f"{option} of 'kvp-audit {name}' is not in the README"


def test_global_options_documented():
    for option in ("--lang", "--version", "--help"):
        assert option in README
