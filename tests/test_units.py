"""One set of rules for sizes, durations and counts, whichever front reads them."""

from __future__ import annotations

import pytest

from simtiny.errors import InputError
from simtiny.units import format_kb, format_size, parse_count, parse_duration_ms, parse_size


@pytest.mark.parametrize(
    ("text", "value"),
    [("524288", 524288), ("512K", 524288), ("512 KB", 524288), ("512KiB", 524288), ("2M", 2 << 20),
     ("1.5 MB", 3 << 19), ("1G", 1 << 30), ("64", 64), ("100_000", 100_000), ("64 B", 64)],
)  # fmt: skip
def test_sizes(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize(("text", "ms"), [("30 ms", 30.0), ("0.5s", 500.0), ("500 us", 0.5), ("2 seconds", 2000.0)])
def test_durations(text, ms):
    assert parse_duration_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize(
    ("text", "value"), [("100000", 100000), ("100,000", 100000), ("2M", 2_000_000), ("2e9", 2 * 10**9)]
)
def test_counts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_size, "2 parsecs", "not a size"),
        (parse_size, "lots", "not a size"),
        (parse_size, "0", "must be positive"),
        (parse_duration_ms, "30", "give a unit"),
        (parse_duration_ms, "-1 ms", "not a duration"),
        (parse_count, "lots", "not a whole number"),
        (parse_count, "3X", "not a whole number"),
    ],
)
def test_bad_quantities_are_one_line(parse, text, message):
    with pytest.raises(InputError, match=message):
        parse(text)


def test_formats():
    assert format_kb(1_793_396) == "1,751.4 KB"
    assert format_kb(2 << 20, 0) == "2,048 KB"
    assert format_size(307_400) == "300.2 KB (307,400 bytes)"
    assert format_size(100) == "100 bytes"


def test_the_command_line_uses_the_same_rules(capsys):
    from simtiny.cli import main

    for args, message in (
        (["check", "m.tflite", "--latency-budget", "30"], "give a unit"),
        (["check", "m.tflite", "--sram-budget", "2 parsecs"], "not a size"),
        (["sim", "x.elf", "--max-instructions", "lots"], "not a whole number"),
        (["sim", "x.elf", "--engine", "renode"], "invalid choice: 'renode'"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
