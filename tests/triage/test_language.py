"""Batch language identification gives py3langid's own answers, many posts at a time."""

from __future__ import annotations

import py3langid.langid as langid

from atdesk.triage.language import (
    CARE_LANGUAGES,
    UNDETERMINED,
    BatchLanguageIdentifier,
    clean_for_language,
    language_identifier,
)

POSTS = [
    "@AirlineHelp my flight was cancelled and nobody at the desk can help me",
    "@bancoayuda no puedo entrar a mi cuenta desde ayer, ¿qué pasa?",
    "@SNCF mon train est encore en retard, c'est inadmissible",
    "@DBBahn der Zug ist schon wieder ausgefallen, wann fährt der nächste?",
    "@TIMita il mio internet non funziona da tre giorni",
    "@vivo minha internet caiu de novo, preciso de ajuda urgente",
    "@NortonSupport ノートンに苦情をツイートしましたが、返事がありません",
    "@KLM mijn koffer is niet aangekomen in Amsterdam",
]


def test_without_the_english_prior_answers_match_py3langid() -> None:
    plain = BatchLanguageIdentifier(CARE_LANGUAGES, english_prior=0.0)
    reference = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    reference.set_languages(plain.languages)
    short = ["@shop Yep", "@brand grazie mille", "@shop done thanks"]
    expected = [reference.classify(clean_for_language(p))[0] for p in POSTS + short]
    assert plain.identify(POSTS + short) == expected
    assert [plain.identify([p])[0] for p in POSTS + short] == expected


def test_short_english_replies_stay_english() -> None:
    assert BatchLanguageIdentifier(CARE_LANGUAGES, 0.0).identify(["@shop Yep"]) == ["tr"]
    assert language_identifier().identify(["@shop Yep", "@brand Cheers mate"]) == ["en", "en"]


def test_real_languages_are_recognised() -> None:
    assert language_identifier().identify(POSTS) == ["en", "es", "fr", "de", "it", "pt", "ja", "nl"]


def test_posts_without_words_are_undetermined() -> None:
    assert (
        language_identifier().identify(["@brand 😂😂😂", "https://t.co/x", ""])
        == [UNDETERMINED] * 3
    )


def test_only_two_letter_codes_come_back() -> None:
    assert all(len(code) == 2 for code in language_identifier().languages)
    assert set(language_identifier().languages) <= set(CARE_LANGUAGES)


def test_order_of_answers_follows_input_whatever_the_lengths() -> None:
    long_first = [POSTS[0] * 3, POSTS[1], POSTS[2] * 2]
    assert language_identifier().identify(long_first) == ["en", "es", "fr"]


def test_one_post_at_a_time_gives_the_batch_answers() -> None:
    one_by_one = [language_identifier().identify([post])[0] for post in POSTS]
    assert one_by_one == language_identifier().identify(POSTS * 3)[: len(POSTS)]


def test_batches_walked_by_window_equal_py3langid_walking_each_post() -> None:
    plain = BatchLanguageIdentifier(CARE_LANGUAGES, english_prior=0.0)
    reference = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    reference.set_languages(plain.languages)
    texts = [*POSTS, "@shop Yep", "zero\x00byte inside", "ÉCRIT EN MAJUSCULES", POSTS[3] * 5]
    batch = texts * 3  # more than a handful: the batch path
    expected = [reference.classify(clean_for_language(t))[0] for t in batch]
    assert plain.identify(batch) == expected
    assert plain._window_size() > 0


def test_the_window_path_and_the_position_path_agree() -> None:
    identifier = language_identifier()
    texts = [*POSTS, "@brand ok", "gracias!!", "x" * 300, "ñ", "a\x00b\x00c de"] * 4
    encoded = [clean_for_language(t).encode() for t in texts]
    assert identifier._classify(encoded) == identifier._classify_by_position(encoded)
