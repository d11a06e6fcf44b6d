"""The TOML configuration: defaults from the spec, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrail.adapters.config_file import ConfigError, load_config


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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Accepted before, and then every ingest failed with OverflowError.
        (("[procedures.p]\ntrigger = 'booking.created'\n[[procedures.p.steps]]\nstep = 's'\n"
          "within_minutes = 99999999999999999\ndepartment = 'd'\n"),
         "line 5: procedures.p.steps.0.within_minutes: input should be less than or equal to 525600"),
        ("[windows]\nsync_window_minutes = 525601\n", "line 2: windows.sync_window_minutes: input should be less"),
        ("[windows]\npayment_failures = 10001\n", "line 2: windows.payment_failures: input should be less"),
        ("[windows]\nrepeat_contact_window_days = 367\n", "line 2: windows.repeat_contact_window_days: input should"),
        # Accepted before as 1.
        ("[windows]\n\nsync_window_minutes = true\n", "line 3: windows.sync_window_minutes: input should be a valid integer"),
        ("windows.long_hold_minutes = '10'\n", "line 1: windows.long_hold_minutes: input should be a valid integer"),
        # Accepted before; no event would ever trigger it.
        ("[procedures.p]\ntrigger = 'no.such.type'\nsteps = []\n",
         "line 2: procedures.p.trigger: 'no.such.type' is not an inbound event type"),
        ("[procedures.p]\ntrigger = 'booking.created'\n", "line 1: procedures.p.steps: field required"),
        ("escalation_levels = []\n", "line 1: escalation_levels: list should have at least 1 item"),
    ],
)
def test_values_must_have_their_type_and_a_sane_range_and_the_error_names_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"config {path}, {message}"), str(raised.value)


def test_a_procedure_may_be_triggered_by_any_inbound_type(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[procedures.refund]\ntrigger = 'payment.failed'\n[[procedures.refund.steps]]\n"
                                         "step = 'call_back'\nwithin_minutes = 525600\ndepartment = 'ecommerce'\n"))
    assert config.procedures["refund"].steps[0].within_minutes == 525_600
    assert config.escalation_levels == ["supervisor", "manager", "executive"]


def test_a_file_that_is_not_utf8_is_named_with_the_position(tmp_path: Path) -> None:
    path = tmp_path / "casetrail.toml"
    path.write_bytes(b"[windows]\n# caf\xe9\nlong_hold_minutes = 15\n")
    with pytest.raises(ConfigError) as raised:
        load_config(str(path))
    assert str(raised.value) == f"config {path}, line 2 (byte 15): not UTF-8 text"


def test_a_toml_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[windows]\nlong_hold_minutes = \n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"config {path}: not valid TOML: ") and "line 2" in str(raised.value)
