"""The TOML configuration: defaults from the spec, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config_file import ConfigError, load_config


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "casetrail.toml"
    path.write_text(text)
    return str(path)


def test_without_a_file_the_spec_defaults_apply() -> None:
    config = load_config(None)
    assert config.windows.sync_window_minutes == 5
    assert config.windows.payment_failures == 3
    assert config.departments.for_source("ota:booking.com") == "ota_partner"
    assert config.departments.for_source("phone:pbx") == "customer_service"
    assert config.departments.for_source("gds:amadeus") == "unattributed"
    steps = config.procedures["phone_booking"].steps
    assert [(s.step, s.within_minutes, s.department) for s in steps] == [
        ("read_back", 10, "reservations"), ("confirmation_sent", 60, "reservations")]
    assert "overbooking" in config.categories


def test_a_file_overrides_single_keys_and_keeps_the_other_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[windows]\nlong_hold_minutes = 15\n'
                                         '[departments.by_source]\n"ota:expedia" = "ota_expedia"\n'))
    assert config.windows.long_hold_minutes == 15
    assert config.windows.sync_window_minutes == 5
    assert config.departments.for_source("ota:expedia") == "ota_expedia"
    assert config.departments.for_source("ota:agoda") == "ota_partner"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[windows]\nsync_window_minute = 5\n", "windows.sync_window_minute: unknown key"),
        ("[windows]\nsync_window_minutes = 0\n", "windows.sync_window_minutes: input should be greater than 0"),
        ("[windows]\nsync_window_minutes = 'five'\n", "windows.sync_window_minutes: input should be a valid integer"),
        ("[procedures.night_audit]\ntrigger = 'booking.created'\n", "procedures.night_audit.steps: field required"),
        ("colour = 'blue'\n", "colour: unknown key"),
        ("[windows\n", "not valid TOML"),
    ],
)
def test_a_bad_file_gets_an_error_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(write(tmp_path, text))


def test_a_missing_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config("no-such.toml")
