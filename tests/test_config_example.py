"""config.example.toml documents every setting and is itself a valid config."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from bot.config import Config, from_mapping

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_is_valid_and_matches_the_defaults() -> None:
    raw = tomllib.loads(EXAMPLE.read_text())
    assert from_mapping(raw) == Config()


def test_example_mentions_every_setting() -> None:
    text = EXAMPLE.read_text()
    for section in dataclasses.fields(Config):
        assert f"[{section.name}]" in text
        for key in dataclasses.fields(section.default_factory()):
            assert f"{key.name} =" in text, f"[{section.name}] {key.name} is undocumented"
