"""Every catalogue is complete: no missing, empty or fuzzy message, placeholders intact.

Reporter languages must translate everything a reporter can see (extracted
afresh from the sources with babel-reporter.cfg, so a new string without a
translation fails here); English, the back office's second language, must
translate everything (babel.cfg).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "meldpunt" / "translations"
REPORTER_LANGUAGES = ["pl", "ro", "tr", "ar"]
ALL_LANGUAGES = ["en", *REPORTER_LANGUAGES]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def extract(config: str, tmp_path: Path) -> set[str]:
    output = tmp_path / f"{config}.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", config,
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "--no-location", "-o", str(output), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(output, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def reporter_ids(tmp_path_factory) -> set[str]:
    return extract("babel-reporter.cfg", tmp_path_factory.mktemp("pot"))


@pytest.fixture(scope="module")
def all_ids(tmp_path_factory) -> set[str]:
    return extract("babel.cfg", tmp_path_factory.mktemp("pot"))


def load(language: str):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalogue for {language}"
    with open(path, "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_catalogue_is_complete_and_not_fuzzy(language, reporter_ids, all_ids):
    catalog = load(language)
    needed = all_ids if language == "en" else reporter_ids
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy, f"{language}: fuzzy: {key!r}"
        if all(strings):
            translated[key] = (message.id, strings)
    missing = sorted(needed - translated.keys())
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_placeholders_survive_translation(language):
    for message in load(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if string:
                assert set(PLACEHOLDER.findall(string)) <= expected, (language, message.id)
                if len(ids) == 1:
                    assert set(PLACEHOLDER.findall(string)) == expected, (language, message.id)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_catalogue_compiles(language, tmp_path):
    catalog = load(language)
    with open(tmp_path / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    assert (tmp_path / "messages.mo").stat().st_size > 1000
