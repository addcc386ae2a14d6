"""Config: every invalid key and value is named in its message; the token never leaks."""

from __future__ import annotations

import logging

import pytest

from bot.config import Config, ConfigError, Secret, from_mapping, load

BAD_VALUES = [
    ({"data": {"provider": "bloomberg"}}, "[data] provider"),
    ({"data": {"provider": "csv"}}, "[data] csv_dir"),
    ({"data": {"max_age_equity_minutes": -5}}, "[data] max_age_equity_minutes"),
    ({"data": {"memory_symbols": "many"}}, "[data] memory_symbols"),
    ({"data": {"memory_symbols": 2.5}}, "[data] memory_symbols"),
    ({"data": {"yahoo_timeout": True}}, "[data] yahoo_timeout"),
    ({"discord": {"api_base": "not a url"}}, "[discord] api_base"),
    ({"discord": {"gateway_url": 5}}, "[discord] gateway_url"),
    ({"discord": {"dev_guild_id": -1}}, "[discord] dev_guild_id"),
    ({"discord": {"token": 123}}, "[discord] token"),
    ({"fred": {"enabled": "yes"}}, "[fred] enabled"),
    ({"fred": {"base_url": "ftp://x"}}, "[fred] base_url"),
    ({"brief": {"default_time": "25:00"}}, "[brief] default_time"),
    ({"brief": {"default_timezone": "Mars/Olympus"}}, "[brief] default_timezone"),
    ({"brief": {"watchlist": "^RUT"}}, "[brief] watchlist"),
    ({"brief": {"grace_hours": 0}}, "[brief] grace_hours"),
    ({"logging": {"level": "LOUD"}}, "[logging] level"),
    ({"store": {"path": 3}}, "[store] path"),
    ({"data": {"provder": "csv"}}, "[data] provder"),
    ({"dta": {}}, "[dta]"),
    ({"data": "csv"}, "[data]"),
]


@pytest.mark.parametrize(("raw", "named"), BAD_VALUES)
def test_every_bad_key_or_value_is_named(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_mapping(raw)
    assert named in str(info.value)


def test_defaults_need_no_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(environ={})
    assert config == Config()
    assert config.data.provider == "yahoo"
    assert not config.discord.token


def test_file_holds_only_what_it_changes(tmp_path) -> None:
    path = tmp_path / "riskon.toml"
    path.write_text('[data]\nprovider = "csv"\ncsv_dir = "prices"\n[brief]\ngrace_hours = 2\n')
    config = load(environ={"RISKON_CONFIG": str(path)})
    assert config.data.provider == "csv" and config.data.csv_dir == "prices"
    assert config.brief.grace_hours == 2.0 and isinstance(config.brief.grace_hours, float)
    assert config.store == Config().store


def test_named_file_must_exist(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load(environ={"RISKON_CONFIG": str(tmp_path / "nope.toml")})


def test_invalid_toml_names_the_file(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[data\nprovider=")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load(environ={"RISKON_CONFIG": str(path)})


def test_env_token_overrides_file_and_never_shows(tmp_path, caplog) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[discord]\ntoken = "file-token-AAAA"\n')
    config = load(environ={"RISKON_CONFIG": str(path), "DISCORD_TOKEN": "env-token-BBBB"})
    assert config.discord.token.reveal() == "env-token-BBBB"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("riskon.test").info("config %s / %r", config, config.discord)
    shown = caplog.text + repr(config) + str(config) + str(config.discord.token)
    assert "env-token-BBBB" not in shown and "file-token-AAAA" not in shown
    assert "********" in repr(config.discord.token)


def test_secret_equality_and_truthiness() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert not Secret("") and Secret("x")
