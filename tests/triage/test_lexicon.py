"""The lexicon format, matching and negation handling."""

from __future__ import annotations

import pytest

from triage.lexicon import LexiconError, load_lexicon, parse_lexicon
from triage.normalize import normalize, tokenize

NEGATION = """
[negation]
geen, niet, nooit, zonder
[negation_post]
niet gezien, yok
[scope_break]
maar, wel, en
[not_negation]
niet normaal, geen idee
"""


def scan(lexicon, text):
    return lexicon.scan(tokenize(normalize(text)))


def active(lexicon, text, kind="theme"):
    grouped = scan(lexicon, text).active(kind)
    return {key: [m.surface for m in found] for key, found in grouped.items()}


@pytest.fixture
def lex():
    return parse_lexicon(NEGATION + """
[theme hennep]
3: wietlucht, ramen .. afgeplakt*, hennep*, *kwekerij
2: zoete lucht
[theme witwassen]
3: geen klanten, nooit .. klant*
[theme wapens_explosieven]
3: pistool*, silah*
[theme arbeidsuitbuiting]
2: # mannen, loon .. niet betaald
[theme drugslab]
2: *aceton*, anijs|anason
""")


class TestMatching:
    def test_exact_prefix_suffix_infix(self, lex):
        assert active(lex, "Er zit een hennepkwekerij op zolder")["hennep"] == ["hennepkwekerij"]
        assert active(lex, "Een wietkwekerij") == {"hennep": ["wietkwekerij"]}
        assert "drugslab" in active(lex, "het ruikt naar nagellakaceton")

    def test_alternatives(self, lex):
        assert active(lex, "kokusu anason gibi")["drugslab"] == ["anason"]

    def test_gap_allows_up_to_three_words(self, lex):
        found = active(lex, "de ramen zijn helemaal afgeplakt")
        assert found["hennep"] == ["ramen zijn helemaal afgeplakt"]
        assert "hennep" not in active(lex, "de ramen zijn echt heel erg netjes afgeplakt")

    def test_gap_stays_within_a_clause(self, lex):
        assert "hennep" not in active(lex, "mooie ramen. Afgeplakt was niks")

    def test_number_element(self, lex):
        assert active(lex, "er wonen 14 mannen")["arbeidsuitbuiting"] == ["14 mannen"]

    def test_diacritics_and_case_are_folded(self, lex):
        assert active(lex, "SİLAH gördüm")["wapens_explosieven"] == ["silah"]
        assert active(lex, "WIETLUCHT!")["hennep"] == ["wietlucht"]

    def test_one_pattern_counts_once(self, lex):
        scores = scan(lex, "wietlucht wietlucht wietlucht").scores("theme")
        assert scores == {"hennep": 3.0}


class TestNegation:
    def test_negation_before(self, lex):
        found = scan(lex, "Ik ruik geen wietlucht meer")
        assert found.active("theme") == {}
        assert [m.negator for m in found.negated()] == ["geen"]

    def test_negation_inside_a_gap(self, lex):
        assert active(lex, "de ramen zijn niet afgeplakt") == {}

    def test_negation_reach_is_three_words(self, lex):
        assert active(lex, "niet hier ooit wietlucht") == {}  # three words before: negated
        assert "hennep" in active(lex, "niet dat ik ooit wietlucht")  # four words: not

    def test_scope_break_stops_negation(self, lex):
        assert active(lex, "geen klanten zie ik, maar wel wietlucht") == {
            "witwassen": ["geen klanten"], "hennep": ["wietlucht"]}

    def test_negation_word_inside_indicator_is_not_a_negation(self, lex):
        # "geen" belongs to the indicator "geen klanten" and negates nothing else.
        assert active(lex, "geen klanten")["witwassen"] == ["geen klanten"]

    def test_post_negation_phrase(self, lex):
        assert active(lex, "Een pistool heb ik niet gezien") == {}
        assert active(lex, "silah yok") == {}

    def test_not_negation_expressions(self, lex):
        assert active(lex, "het is niet normaal wat een wietlucht")["hennep"] == ["wietlucht"]
        assert active(lex, "geen idee maar wietlucht")["hennep"] == ["wietlucht"]

    def test_affirmative_sentence_is_not_negated(self, lex):
        assert scan(lex, "er is een pistool getoond").negated() == []


class TestParsing:
    def test_unknown_section(self):
        with pytest.raises(LexiconError, match="unknown section kind"):
            parse_lexicon("[thema hennep]\n1: wiet")

    def test_keyed_section_needs_a_key(self):
        with pytest.raises(LexiconError, match="needs a key"):
            parse_lexicon("[theme]\n1: wiet")

    def test_entry_before_section(self):
        with pytest.raises(LexiconError, match="before the first"):
            parse_lexicon("1: wiet")

    def test_dangling_gap(self):
        with pytest.raises(LexiconError, match="between two words"):
            parse_lexicon("[theme hennep]\n1: .. wiet")

    def test_multiword_alternative_is_rejected(self):
        with pytest.raises(LexiconError, match="not a single word"):
            parse_lexicon("[theme heling]\n1: nieuwe fietsen|e-bikes")

    def test_hyphenated_word_becomes_two_elements(self):
        lexicon = parse_lexicon("[theme heling]\n2: e-bikes")
        assert active(lexicon, "nieuwe e-bikes")["heling"] == ["e bikes"]

    def test_line_is_one_concept(self):
        lexicon = parse_lexicon("[theme hennep]\n3: wiet, hennep\n2: zoete lucht")
        groups = {p.phrase: p.group for p in lexicon.patterns}
        assert groups == {"wiet": 1, "hennep": 1, "zoete lucht": 2}


def test_packaged_lexicon_covers_every_theme():
    from triage.engine import DEFAULT_LEXICON_FILE
    from triage.taxonomy import THEMES

    lexicon = load_lexicon(DEFAULT_LEXICON_FILE)
    assert set(lexicon.keys("theme")) == set(THEMES)
    assert lexicon.keys("acuut") and lexicon.keys("gevaar") and lexicon.keys("riec")
    assert {"belastingdienst", "gemeente_sociaal"} <= set(lexicon.keys("route"))
