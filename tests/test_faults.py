"""Every fault curator is tested against, in one place (issue 13): each section reproduces one
kind of failure with real parts and checks the one clear line (or the safe outcome) it now
gets instead of a traceback, a crash later on, or damage to the data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from curator.config import parse_settings
from curator.errors import ConfigError

# --- configuration ---------------------------------------------------------------------------
# A number outside its documented range (README, feeds.yaml reference) is refused when the file
# is read, naming the line and the key; before, `horizon_days: 1000000000` overflowed the
# planner ten seconds in, `weight: .nan` broke a database constraint at the next fetch and
# `serve.port: 99999` crashed the server.

_PROFILE = "profiles:\n  - name: p\n    objective: o\n"


def _config_with(field: str, value: str) -> str:
    """A minimal feeds.yaml whose last line sets `field` (as the error names it) to `value`."""
    section, _, key = field.rpartition(".")
    if section.startswith("profiles[0]."):
        return f"{_PROFILE}    {section.removeprefix('profiles[0].')}:\n      {key}: {value}\n"
    if section == "feeds[0]":
        return f"feeds:\n  - url: https://example.org/feed.xml\n    {key}: {value}\n"
    return f"{section}:\n  {key}: {value}\n"


# (field, too small, too large, takes fractions: NaN and infinity apply)
_RANGES = [
    ("profiles[0].schedule.horizon_days", "0", "1000000000", False),
    ("profiles[0].schedule.weekly_minutes", "0", "10081", False),
    ("profiles[0].schedule.min_score", "-0.1", "1.5", True),
    ("profiles[0].schedule.max_age_days", "0.01", "3651", True),
    ("profiles[0].schedule.relay_minutes", "0", "1441", False),
    ("profiles[0].schedule.original_minutes", "0", "1441", False),
    ("profiles[0].schedule.min_comment_chars", "0", "3001", False),
    ("profiles[0].digest.max_items", "0", "501", False),
    ("profiles[0].digest.min_score", "-1", "2", True),
    ("profiles[0].scoring.freshness_half_life_hours", "0.5", "10000", True),
    ("profiles[0].scoring.max_per_source", "0", "1001", False),
    ("profiles[0].scoring.diversity", "-0.5", "1.5", True),
    ("feeds[0].interval", "0", "31d", False),
    ("feeds[0].weight", "-1", "11", True),
    ("fetch.interval", "0", "100000000d", False),
    ("fetch.timeout", "0.01", "601", True),
    ("fetch.max_body", "512", "2GB", False),
    ("fetch.max_redirects", "-1", "21", False),
    ("fetch.concurrency", "0", "101", False),
    ("fetch.per_host", "0", "21", False),
    ("fetch.max_backoff", "0", "60d", False),
    ("fetch.disable_after_days", "0.001", "366", True),
    ("smtp.port", "0", "65536", False),
    ("smtp.timeout", "0.01", "601", True),
    ("calendar.alarm_minutes", "-1", "10081", False),
    ("calendar.refresh_minutes", "4", "10081", False),
    ("serve.port", "0", "99999", False),
    ("serve.digest_catchup_hours", "-1", "169", True),
]
_OUT_OF_RANGE = [
    pytest.param(field, value, id=f"{field}={value}")
    for field, small, large, fractional in _RANGES
    for value in (small, large, *((".nan", ".inf", "-.inf") if fractional else ()))
]


@pytest.mark.parametrize(("field", "value"), _OUT_OF_RANGE)
def test_a_number_out_of_its_range_is_refused_naming_line_and_key(field: str, value: str) -> None:
    text = _config_with(field, value)
    path = Path("/cfg/feeds.yaml")
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, path, env={})
    message = str(caught.value)
    line = text.count("\n")  # the key is on the last line
    assert message.startswith(f"{path}:{line} ({field}): "), message
    assert value in message, message  # the value as written, so it can be found
    assert "between" in message or "at most" in message, message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("profiles[0].schedule.horizon_days", "366"),
        ("profiles[0].schedule.min_score", "0"),
        ("profiles[0].scoring.diversity", "1"),
        ("feeds[0].weight", "10"),
        ("feeds[0].interval", "30d"),
        ("fetch.max_body", "1GB"),
        ("fetch.max_redirects", "0"),
        ("serve.port", "65535"),
        ("smtp.port", "1"),
        ("serve.digest_catchup_hours", "0"),
    ],
)
def test_the_bounds_themselves_are_accepted(field: str, value: str) -> None:
    parse_settings(_config_with(field, value), Path("/cfg/feeds.yaml"), env={})


def test_an_absurd_horizon_is_one_line_and_exit_1_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(_config_with("profiles[0].schedule.horizon_days", "1000000000"))
    done = subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "plan"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (
        f"curator: error: {config}:5 (profiles[0].schedule.horizon_days): "
        "must be between 1 and 366, got 1000000000\n"
    )
    assert not (tmp_path / "curator.db").exists()  # refused before anything was touched
