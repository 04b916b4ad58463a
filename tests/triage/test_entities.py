"""Entities and PII on phrasings people really use when writing to a company."""

from __future__ import annotations

from datetime import UTC, datetime

from atdesk.triage.entities import (
    extract_entities,
    find_account_numbers,
    find_coordinates,
    find_emails,
    find_locations,
    find_phones,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_phone_numbers_come_back_in_e164() -> None:
    assert find_phones("@isp call me at (415) 555-2671 please") == ["+14155552671"]
    assert find_phones("my number is +44 20 7946 0958") == ["+442079460958"]


def test_handles_and_order_numbers_are_not_phones() -> None:
    assert find_phones("@115821 @822596 order 1234567 is late") == []


def test_emails_including_the_twcs_mask() -> None:
    assert find_emails("reach me at jane.doe+care@example.co.uk") == ["jane.doe+care@example.co.uk"]
    assert find_emails("my email is __email__ thanks") == ["__email__"]
    assert find_emails("@AmazonHelp thanks") == []


def test_order_account_booking_and_confirmation_numbers() -> None:
    text = "order #113-4567890-1234567, booking ref: ABC12345 and confirmation number 7YH2K9"
    found = find_account_numbers(text)
    assert "113-4567890-1234567" in found
    assert "ABC12345" in found
    assert "7YH2K9" in found


def test_words_after_order_are_not_numbers() -> None:
    assert find_account_numbers("my order arrived broken and my account is locked") == []


def test_masked_card_numbers_count() -> None:
    assert find_account_numbers("The carrier is USPS, #937488__credit_card__.") != []


def test_streets_intersections_and_places() -> None:
    assert "42 Park Road" in find_locations("I can smell gas outside 42 Park Road, send someone")
    assert "5th and Oak" in find_locations("power line down on 5th and Oak")
    assert "Main St" in find_locations("downed tree blocking Main St")
    assert "Silver Spring" in find_locations("is there an outage in Silver Spring?")


def test_coordinates_in_text_and_from_the_post() -> None:
    assert find_coordinates("pothole at 40.7128, -74.0060") == [(40.7128, -74.006)]
    entities, _ = extract_entities("here", NOW, (51.5, -0.12))
    assert entities.coordinates == [(51.5, -0.12)]


def test_pii_when_contact_details_or_numbers_are_public() -> None:
    assert extract_entities("call me on 415-555-2671", NOW)[1] is True
    assert extract_entities("my email is __email__", NOW)[1] is True
    assert extract_entities("order #12345678 never came", NOW)[1] is True
    assert extract_entities("I live at 12 Elm Street", NOW)[1] is True
    assert extract_entities("my package is late again", NOW)[1] is False
    assert extract_entities("power line down on 5th and Oak", NOW)[1] is False


def test_time_windows_are_listed_separately() -> None:
    entities, _ = extract_entities("can an engineer come next week?", NOW)
    assert entities.datetimes == ["2026-11-30/2026-12-06"]
    assert entities.windows == [["2026-11-30", "2026-12-06"]]
    assert entities.to_json()["windows"] == [["2026-11-30", "2026-12-06"]]


def test_phone_shapes_people_write() -> None:
    assert find_phones("call 1(818)930-5703 today") == ["+18189305703"]
    assert find_phones("my number 850.266.3576") == ["+18502663576"]
    assert find_phones("ring 00447900248601 please") == ["+447900248601"]


def test_versions_ips_and_order_ids_are_not_phones() -> None:
    assert find_phones("app version 1.0.65.320 on 192.168.1.1") == []
    assert find_phones("order 111-5014070-4118645 is late") == []


SAMPLES = [
    "power out in Silver Spring, near Main St and at 5th and Oak",
    "@in Paris xin London _in Rome 1in Oslo é in Nice\nin Bern outside  Leeds from Boston, MA",
    "at5 a1 @1 /1 x1 #1 .1 ١٢٣ a١ Route66 I-95 https://x.co/a-1 v2.3.4 order 12",
]


def test_reordered_patterns_find_exactly_what_the_plain_ones_find() -> None:
    """_PLACE and _REAL_DIGIT test the character before them after the fact, to run faster."""
    import re

    from atdesk.triage import entities

    plain = {
        entities._PLACE: re.compile(
            r"\b(?:in|at|near|outside|from)\s+"
            r"(?P<place>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?:,\s*[A-Z]{2})?)\b"
        ),
        entities._REAL_DIGIT: re.compile(r"(?<![@\w/])\d"),
    }
    for fast, slow in plain.items():
        for text in SAMPLES:
            found = [(m.span(), m.groupdict()) for m in fast.finditer(text)]
            assert found == [(m.span(), m.groupdict()) for m in slow.finditer(text)]


def test_cheap_tests_before_the_number_patterns_miss_nothing() -> None:
    assert find_account_numbers("ACCOUNT NO. 98765432 and ORDER: AB12345") == [
        "98765432",
        "AB12345",
    ]
    assert find_account_numbers("tracking 1Z999AA10123456784") == ["1Z999AA10123456784"]
    assert find_account_numbers("parcel RR123456789GB is lost") == ["RR123456789GB"]
    assert find_account_numbers("Caſe 12345678 (IGNORECASE reads ſ as s)") == ["12345678"]
    assert find_phones("4 1 5 - 5 5 5 - 2 6 7 1") == []
    assert find_phones("call 415.555.2671 or __phone__") == ["__phone__", "+14155552671"]


def test_reference_case_and_booking_codes_real_posts_use() -> None:
    assert find_account_numbers("my complaint ref 12345 is still open") == ["12345"]
    assert find_account_numbers("CAS-19708536-CB92N2 please check") == ["CAS-19708536-CB92N2"]
    assert find_account_numbers("rental DRV-330-7791 was overcharged") == ["DRV-330-7791"]
    assert find_account_numbers("record locator jtnaom, can't check in") == ["jtnaom"]
    assert find_account_numbers("PNR: QXZTRW") == ["QXZTRW"]
    assert find_account_numbers("member number 8812 4470 991, locked out") == ["8812 4470 991"]
    assert find_account_numbers("acc 44-2290-118 hanging off") == ["44-2290-118"]
    assert find_account_numbers("card ending 4471 was charged twice") == ["4471"]
    assert find_account_numbers("last 4 are 8842") == ["8842"]


def test_codes_that_are_not_personal_numbers() -> None:
    assert find_account_numbers("record locator please? I lost it") == []
    assert find_account_numbers("error CE-30022-8 on the console") == []
    assert find_account_numbers("flight BA2490 and UA 1234 delayed again") == []
    assert find_account_numbers("COVID-19 rules for the year ending 2017") == []
    assert find_account_numbers("my order of 3 items came broken") == []
    assert extract_entities("iOS 11.2.1 on version 10.3.4 broke my app", NOW)[1] is False
    assert extract_entities("paid $1,299.99 and then £45.50 for delivery", NOW)[1] is False
    assert extract_entities("booked for 12/11/2017 and 2017-11-12", NOW)[1] is False
    assert extract_entities("is SW1A 1AA or 90210 in your delivery area?", NOW)[1] is False
    assert extract_entities("flight 2490 from JFK delayed 3 hours", NOW)[1] is False


def test_phones_written_the_way_other_countries_write_them() -> None:
    assert find_phones("My reliance no. 9883359250 was ported") == ["+919883359250"]
    # The same digits can be valid in several regions; the first that fits is kept.
    assert len(find_phones("@GloCare 08070635658")) == 1
    assert len(find_phones("My no  0815 524 2395 https://t.co/x")) == 1
    assert find_phones("sure, 0412 005 778") == ["+61412005778"]
    assert find_phones("4 1 5 - 5 5 5 - 2 6 7 1") == []
    assert find_phones("we waited 2017 11 23 hours") == []


def test_addresses_with_directions_zip_codes_and_british_street_names() -> None:
    assert extract_entities("6290 E Pacific Coast Hwy Long Beach, CA  90803", NOW)[1] is True
    assert extract_entities("charles martin, 3238 w. columbine dr, phx,85029", NOW)[1] is True
    assert extract_entities("shipped to: 133 ORNAC, North 5, Concord MA 01742 USA", NOW)[1] is True
    assert extract_entities("the path behind 14 Lime Grove is blocked", NOW)[1] is True
    assert extract_entities("I live at 27 Canal Row", NOW)[1] is True


def test_everyday_phrases_are_not_addresses_or_emails() -> None:
    assert extract_entities("ate 4 beauties on my way to work", NOW)[1] is False
    assert extract_entities("2 hours on the road and still no driver", NOW)[1] is False
    assert extract_entities("Beverly Hills, CA 90210 is where I shop", NOW)[1] is False
    assert extract_entities("I emailed the __email__ team twice", NOW)[1] is False
    assert extract_entities("email me at __email__ please", NOW)[1] is True
    assert extract_entities("3 appointments with dr smith this week", NOW)[1] is False
