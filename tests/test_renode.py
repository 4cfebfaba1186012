"""`simtiny renode`: a Renode script for the same firmware, checked line by line against the
syntax Renode documents and its own scripts use (Renode itself is not installed here)."""

from __future__ import annotations

import re
import shutil

import pytest

from simtiny.cli import main
from simtiny.errors import EXIT_USAGE

# The forms a line of the script may take (renode.readthedocs.io "Monitor and script syntax",
# "Working with machines"; renode/renode scripts/single-node/nucleo_h753zi_hubris.resc).
LINE_FORMS = [
    re.compile(r":(name|description): .+"),
    re.compile(r'\$(?P<define>\w+)\?=(@/[A-Za-z0-9_./+-]+|"[A-Za-z0-9_ -]*")'),
    re.compile(r"using sysbus"),
    re.compile(r"mach create \$(?P<use>\w+)"),
    re.compile(r"machine LoadPlatformDescription @platforms/[A-Za-z0-9_/-]+\.repl"),
    re.compile(r"showAnalyzer [a-z0-9_]+"),
    re.compile(r'sysbus Tag <0x[0-9A-F]{8} [1248]> "\w+" 0x[0-9A-F]+'),
    re.compile(r"macro (?P<macro>\w+)"),
    re.compile(r"runMacro \$(?P<run>\w+)"),
]
MACRO_LINES = [re.compile(r"    cpu VectorTableOffset 0x[0-9A-F]{8}"), re.compile(r"    sysbus LoadELF \$(?P<use>\w+)")]


def check_syntax(text: str) -> list[str]:
    """Problems with the script's text, as Renode's documented syntax has it (empty: none)."""
    problems: list[str] = []
    defined: set[str] = set()
    macros: set[str] = set()
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        k += 1
        if not line:
            continue
        match = next((m for form in LINE_FORMS if (m := form.fullmatch(line))), None)
        if match is None:
            problems.append(f"line {k}: not a form Renode documents: {line!r}")
            continue
        groups = match.groupdict()
        if groups.get("define"):
            defined.add(groups["define"])
        if groups.get("use") and groups["use"] not in defined:
            problems.append(f"line {k}: ${groups['use']} used before it is set")
        if groups.get("macro"):
            if k >= len(lines) or lines[k] != '"""':
                problems.append(f"line {k}: a macro's body opens with three quotes on the next line")
                continue
            end = lines.index('"""', k + 1)
            for body in lines[k + 1 : end]:
                inner = next((m for form in MACRO_LINES if (m := form.fullmatch(body))), None)
                if inner is None:
                    problems.append(f"macro {groups['macro']}: unexpected line {body!r}")
                elif inner.groupdict().get("use") and inner["use"] not in defined:
                    problems.append(f"macro {groups['macro']}: ${inner['use']} used before it is set")
            macros.add(groups["macro"])
            defined.add(groups["macro"])
            k = end + 1
        if groups.get("run") and groups["run"] not in macros:
            problems.append(f"line {k}: runMacro ${groups['run']} of no macro")
    return problems


@pytest.fixture
def elf(tmp_path, firmware_builder):
    copy = tmp_path / "hello.elf"
    shutil.copyfile(firmware_builder("hello", "gcc").elf, copy)
    return copy


@pytest.mark.sim
def test_the_script_follows_renodes_syntax_and_loads_the_elf(elf, capsys):
    assert main(["renode", str(elf)]) == 0
    text = elf.with_suffix(".resc").read_text()
    assert check_syntax(text) == []
    assert f"$bin?=@{elf.resolve()}\n" in text
    assert "machine LoadPlatformDescription @platforms/cpus/stm32h743.repl\n" in text
    assert "showAnalyzer usart3\n" in text
    assert "    cpu VectorTableOffset 0x08000000\n" in text
    assert text.rstrip().endswith("runMacro $reset")


def test_the_checker_catches_what_renode_would_refuse():
    good = '$bin?=@/tmp/x.elf\nusing sysbus\nmacro reset\n"""\n    sysbus LoadELF $bin\n"""\nrunMacro $reset\n'
    assert check_syntax(good) == []
    assert check_syntax(good.replace("runMacro $reset", "runMacro $other"))
    assert check_syntax(good.replace("$bin?=@/tmp/x.elf", "$bin?=@/tmp/a b.elf"))
    assert check_syntax(good.replace("using sysbus", "load sysbus"))


@pytest.mark.sim
def test_what_cannot_be_written_is_refused_in_one_line(elf, tmp_path, capsys):
    assert main(["renode", str(elf)]) == 0
    assert main(["renode", str(elf)]) == EXIT_USAGE  # the script exists: --force to replace it
    assert main(["renode", str(elf), "--force"]) == 0
    assert main(["renode", "--platform", "stm32f746g-disco", str(elf), "-o", "-"]) == EXIT_USAGE
    spaced = tmp_path / "a b"
    spaced.mkdir()
    shutil.copyfile(elf, spaced / "x.elf")
    assert main(["renode", str(spaced / "x.elf"), "-o", "-"]) == EXIT_USAGE
    assert main(["renode", str(elf), "-o", str(elf)]) == EXIT_USAGE  # never over the input
    not_elf = tmp_path / "notes.txt"
    not_elf.write_text("hello")
    assert main(["renode", str(not_elf), "-o", "-"]) == EXIT_USAGE
    err = capsys.readouterr().err
    for needle in ("exists", "names no Renode platform", "@path syntax", "input file", "not an ELF"):
        assert needle in err
    assert all(line.startswith("simtiny: error: ") for line in err.strip().splitlines())
