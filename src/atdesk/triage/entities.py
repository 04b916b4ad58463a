"""Things in a post that automations act on, and whether the post exposes them in public."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import phonenumbers

from atdesk.domain.triage import Entities
from atdesk.triage.datetimes import DATE_TOKENS, find_datetimes
from atdesk.triage.tokens import ignorecase_lower

# Not right after an '@': "@dana@example.social" is a fediverse handle (Mastodon spells every
# mention as @user@instance), not an address; the lookbehind keeps the match from starting there.
_EMAIL = re.compile(r"(?<![\w.+@-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MASKED_EMAIL = re.compile(r"__email__")
_PHONE_CANDIDATE = re.compile(r"(?<![\w.+/])(?:\+|00)?\(?\d[\d \t().-]{5,20}\d(?![\w.]?\d)")
_DOTTED_NUMBERS = re.compile(r"\d{1,3}(?:\.\d{1,3}){2,}\.?")
_MASKED_PHONE = re.compile(r"__(?:phone|phone_number)__")
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_ACCOUNT = re.compile(
    r"""
    \b(?:order|account|acct|acc|a/c|booking|confirmation|conf|reservation|reference|ref|case|
        ticket|claim|policy|tracking|invoice|membership|member|customer|pnr|record\s+locator|
        card|contract|rental|serial|pcn|shipping\s+id|sort\s+code|imei|rma|buchungsnummer)
    (?:\s+(?:no\.?|num(?:ber)?|id|code|\#|(?:ending|ends)(?:\s+in)?))?\s*(?:is|was|are)?\s*
    [:#]?\s*
    (?P<value>(?:[A-Z]{2}[ ])?\d{2,4}(?:[ -]\d{2,4}){1,4}\b(?![.,]\d)
        |(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Airline record locators and confirmation codes are often six letters without a digit:
# "record locator jtnaom", "PNR: QXZTRW". A common word in that place is not a code.
_LETTER_CODE = re.compile(
    r"\b(?:record\s+locator|pnr|confirmation\s+(?:code|number|no\.?|\#)|"
    r"booking\s+(?:ref(?:erence)?|code)|conf(?:irmation)?\s*\#)"
    r"\s*(?:is|was)?\s*[:#]?\s*(?P<value>[A-Z]{6})\b",
    re.IGNORECASE,
)
_NOT_LETTER_CODES = frozenset(
    [
        "anyone",
        "before",
        "button",
        "cancel",
        "change",
        "didnt",
        "doesnt",
        "during",
        "either",
        "emails",
        "issued",
        "itself",
        "needed",
        "number",
        "online",
        "please",
        "screen",
        "second",
        "sorted",
        "system",
        "thanks",
        "though",
        "wasnt",
        "within",
        "worked",
    ]
)
# The last four digits of a card or account: "card ending 4471", "last 4 are 8842".
_CARD_END = re.compile(
    r"\b(?:ending|ends|last\s+(?:4|four)(?:\s+digits)?)(?:\s+(?:in|with|are|is))?\s*:?\s*"
    r"(?P<value>(?!(?:19|20)\d\d\b)\d{4})\b",
    re.IGNORECASE,
)
_ERROR_BEFORE = re.compile(r"(?:error|code)\s*:?\s*$", re.IGNORECASE)
# Case, rental and shipment ids: a short capital prefix, then at least five digits in
# dash-separated groups, optional tail ("CAS-19708536-CB92N2", "DRV-330-7791", "ZC-99120").
_CASE_ID = re.compile(
    r"\b(?P<value>[A-Z]{2,4}\d{0,2}[-:](?=(?:\d-?){5})\d{3,}(?:-\d{3,})*(?:-[A-Z0-9]{2,})?)\b"
)
_HASH_NUMBER = re.compile(r"(?<![\w&])#(?P<value>\d{5,}|[A-Z]{1,3}\d{5,}[A-Z0-9]*)\b")
_LONG_ID = re.compile(r"\b(?P<value>\d{3}-\d{7}-\d{7}|[A-Z]{2}\d{9}[A-Z]{2}|1Z[0-9A-Z]{16})\b")
_MASKED_NUMBER = re.compile(r"__(?:credit_card|ssn|account(?:_number)?)__")
# Cheap tests that hold whenever the slower pattern named could match (so it runs only then):
# a keyword of _ACCOUNT, seven digits in a row for _LONG_ID, seven digits anywhere for phones.
# Every place a keyword of _ACCOUNT starts (overlaps included), in ignorecase_lower(text).
_ACCOUNT_STARTS = re.compile(
    "(?=order|account|acct|acc|a/c|booking|conf|reservation|ref|case|ticket|claim|policy|"
    "tracking|invoice|membership|member|customer|pnr|record|card|contract|rental|serial|pcn|"
    "shipping|sort|imei|rma|buchungsnummer)"
)
# A phone written with this country's conventions is also tried in these regions when it is not
# a valid US number (twcs brands answer customers in India, Nigeria and the UK).
_OTHER_REGIONS = ("GB", "IN", "NG", "AU", "DE", "FR", "ES", "IE")
_DIGIT_GROUPS = re.compile(r"\d+")
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")  # _NUMBERED_STREET's first two forms need one
_SEVEN_IN_A_ROW = re.compile(r"\d{7}")
_SEVEN_DIGITS = re.compile(r"(?:\D*+\d){7}")  # used with match(): one pass over the text
_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|"
    r"terrace|highway|hwy|parkway|pkwy|square|sq|close|crescent"
)
# Street types that are also everyday words ("on my way", "in place") count only after
# capitalised names; the others, and "dr" closing a phrase, in any case.
_PLAIN_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|ln|highway|hwy|parkway|pkwy|dr(?=\s*[,.]|\s*$)"
)
_CAPITALISED_STREET_TYPES = (
    r"Lane|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Square|Sq|Close|Cl|Crescent|Cres|Grove|Row|"
    r"Mews|Gardens|Walk|Rise"
)
_NOT_STREET_NAMES = (
    r"(?!(?:on|the|my|a|an|to|in|at|of|for|and|or|per|hours?|mins?|minutes|days?|times?)\b)"
)
_UNIT = r"(?:,?\s+(?:apt|unit|suite)\s*#?\s*\w+)?"
_DIRECTION = r"(?:[NSEW]\.?\s+)?"
_ADDRESS = re.compile(
    r"\b\d{1,5}\s+" + _DIRECTION + r"(?:" + _NOT_STREET_NAMES + r"[A-Z][a-z]+\s+){1,3}"
    r"(?:" + _PLAIN_STREET_TYPES + r")\b\.?" + _UNIT,
    re.IGNORECASE,
)
_CAPITALISED_ADDRESS = re.compile(
    r"\b\d{1,5}\s+" + _DIRECTION + r"(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:" + _CAPITALISED_STREET_TYPES + r")\b\.?" + _UNIT
)
# A US mailing address: a house number, then within a line a two-letter state and a ZIP code.
_ZIP_ADDRESS = re.compile(r"\b\d{1,5}\s+[^\n\d][^\n]{2,80}?,?\s+[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b")
_STATE_ZIP = re.compile(r"[A-Z]{2},?\s+\d{5}\b")
_NAMED_STREET = re.compile(
    r"\b(?:[A-Z][a-z]+\s+){1,2}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Drive|Dr|"
    r"Highway|Hwy|Parkway|Square|Park|Station|Bridge)\b\.?"
)
_NUMBERED_STREET = re.compile(
    r"\b\d{1,3}(?:st|nd|rd|th)\s+(?:and|&)\s+[A-Z][a-z]+\b"
    r"|\b(?:[A-Z][a-z]+)\s+(?:and|&)\s+\d{1,3}(?:st|nd|rd|th)\b"
    r"|\b(?:Route|Highway|I-|US-)\s?\d{1,3}\b"
)
# "in|at|near|outside|from" at a word start; written with the boundary test after the word
# (a lookbehind over the word), so the regex engine skips ahead to those letters: same matches
# as a leading \b, in about half the time.
_PLACE = re.compile(
    r"(?:in(?<!\w..)|at(?<!\w..)|near(?<!\w....)|from(?<!\w....)|outside(?<!\w.......))"
    r"\s+(?P<place>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?:,\s*[A-Z]{2})?)\b"
)
_NOT_PLACES = frozenset(
    [
        "I",
        "The",
        "A",
        "An",
        "My",
        "Your",
        "This",
        "That",
        "It",
        "We",
        "They",
        "You",
        "He",
        "She",
        "Me",
        "Us",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Christmas",
        "Today",
        "Tomorrow",
        "Yesterday",
        "Hi",
        "Hello",
        "Thanks",
        "Thank",
        "Please",
        "Yes",
        "No",
        "Ok",
        "Okay",
        "Oh",
        "Also",
        "Just",
        "Still",
        "Now",
        "Then",
        "Amazon",
        "Apple",
        "Spotify",
        "Twitter",
        "DM",
        "Prime",
        "Premium",
        "App",
        "Store",
        "Google",
        "Facebook",
        "Instagram",
        "iPhone",
        "Android",
        "Windows",
        "Mac",
        "Netflix",
        "Uber",
        "Lyft",
        "PayPal",
        "Xbox",
        "Sony",
        "Microsoft",
        "Tesco",
        "Argos",
        "Delta",
        "Target",
        "Walmart",
        "Verizon",
        "Comcast",
    ]
)
_COORDS = re.compile(
    r"(?<![\d.])(?P<lat>-?\d{1,2}\.\d{3,})\s*,\s*(?P<lon>-?\d{1,3}\.\d{3,})(?![\d.])"
)


def find_phones(text: str, region: str = "US") -> list[str]:
    """Phone numbers in E.164 (masked ones as written).

    Phone-shaped runs of 7-15 digits are parsed and validated with phonenumbers one by one;
    version strings and IP addresses are skipped first. (phonenumbers' own matcher costs about
    half a millisecond per post with digits in it, too slow for the firehose.)
    """
    found = [m.group(0) for m in _MASKED_PHONE.finditer(text)] if "__" in text else []
    if not _SEVEN_DIGITS.match(text):
        return list(dict.fromkeys(found))
    cleaned = _URL.sub(" ", _HANDLE.sub(" ", text)) if "@" in text or "http" in text else text
    for match in _PHONE_CANDIDATE.finditer(cleaned):
        candidate = match.group(0).strip(" .-")
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 15 or _DOTTED_NUMBERS.fullmatch(candidate):
            continue
        if candidate.startswith("00"):
            candidate = "+" + candidate[2:]
        number: phonenumbers.PhoneNumber | None
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            number = _other_region_number(candidate, digits)
        if number is not None:
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return list(dict.fromkeys(found))


def _other_region_number(candidate: str, digits: int) -> phonenumbers.PhoneNumber | None:
    """A 9-13 digit number, in groups of two or more, valid in another region."""
    if not 9 <= digits <= 13 or candidate.startswith("+"):
        return None
    if any(len(group) < 2 for group in _DIGIT_GROUPS.findall(candidate)):
        return None
    for region in _OTHER_REGIONS:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def find_emails(text: str) -> list[str]:
    """Addresses, and twcs's masked `__email__` placeholder, which still signals exposure.

    "the __email__ team" names a company's department, not someone's address.
    """
    found = [m.group(0) for m in _EMAIL.finditer(text)]
    found += [m.group(0) for m in _MASKED_EMAIL.finditer(text) if not _team_mask(text, m.end())]
    return list(dict.fromkeys(found))


_TEAM_AFTER_MASK = re.compile(r"\s+(?:team|department|dept|support|desk|inbox)\b", re.IGNORECASE)


def _team_mask(text: str, end: int) -> bool:
    """True when a masked address is followed by "team", "support" and the like."""
    return _TEAM_AFTER_MASK.match(text, end) is not None


def find_account_numbers(text: str) -> list[str]:
    """Order, account, booking, confirmation and tracking numbers, and masked card numbers."""
    found = [m.group("value") for m in _account_matches(text)]
    found += [
        m.group("value")
        for m in _LETTER_CODE.finditer(text)
        if m.group("value").lower() not in _NOT_LETTER_CODES
    ]
    if "-" in text or ":" in text:
        found += [
            m.group("value")
            for m in _CASE_ID.finditer(text)
            if not _ERROR_BEFORE.search(text, 0, m.start())
        ]
    if "end" in text or "last" in text:
        found += [m.group("value") for m in _CARD_END.finditer(text)]
    if "#" in text:
        found += [m.group("value") for m in _HASH_NUMBER.finditer(text)]
    if "1Z" in text or _SEVEN_IN_A_ROW.search(text):
        found += [m.group("value") for m in _LONG_ID.finditer(text)]
    if "__" in text:
        found += [m.group(0) for m in _MASKED_NUMBER.finditer(text)]
    return list(dict.fromkeys(found))


def _account_matches(text: str) -> Iterator[re.Match[str]]:
    """_ACCOUNT.finditer(text), trying the pattern only where one of its keywords starts."""
    lowered = ignorecase_lower(text)
    if len(lowered) != len(text):  # positions would not line up (never seen in practice)
        yield from _ACCOUNT.finditer(text)
        return
    end = 0
    for start in _ACCOUNT_STARTS.finditer(lowered):
        if start.start() < end:
            continue
        match = _ACCOUNT.match(text, start.start())
        if match is not None:
            end = match.end()
            yield match


def find_addresses(text: str) -> list[str]:
    """Street addresses with a house number: the kind of location that is personal data."""
    found = [m.group(0) for m in _ADDRESS.finditer(text)]
    found += [m.group(0) for m in _CAPITALISED_ADDRESS.finditer(text)]
    if _STATE_ZIP.search(text):
        found += [m.group(0) for m in _ZIP_ADDRESS.finditer(text)]
    return list(dict.fromkeys(f.strip(" .,") for f in found))


def find_locations(
    text: str, *, streets: bool = True, digits: bool = True, addresses: list[str] | None = None
) -> list[str]:
    """Free-text places: addresses first, then streets, intersections and named places."""
    found = list(addresses) if addresses is not None else find_addresses(text)
    if streets:
        found += [m.group(0).strip(" .") for m in _NAMED_STREET.finditer(text)]
    if (digits or streets) and _may_number_street(text):
        found += [m.group(0) for m in _NUMBERED_STREET.finditer(text)]
    return _places(text, found)


def _may_number_street(text: str) -> bool:
    """False when no form of _NUMBERED_STREET can match ("5th and Oak", "Route 9")."""
    if "Route" in text or "Highway" in text or "I-" in text or "US-" in text:
        return True
    return ("and" in text or "&" in text) and _ORDINAL.search(text) is not None


def _places(text: str, found: list[str]) -> list[str]:
    """Named places added to the places found so far; those inside a longer one are dropped."""
    for match in _PLACE.finditer(text):
        place = match.group("place")
        if place.split()[0] not in _NOT_PLACES:
            found.append(place)
    if not found:
        return found
    unique: list[str] = []
    for place in dict.fromkeys(found):
        if not any(place != other and place in other for other in found):
            unique.append(place)
    return unique


def find_coordinates(text: str) -> list[tuple[float, float]]:
    """Decimal latitude, longitude pairs written in the text."""
    pairs = []
    for match in _COORDS.finditer(text):
        lat, lon = float(match.group("lat")), float(match.group("lon"))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            pairs.append((lat, lon))
    return pairs


# A digit not inside a handle, word or link path: "(?<![@\w/])\d", with the test written
# after the digit so the engine scans for digits directly (same matches, twice as fast).
_REAL_DIGIT = re.compile(r"\d(?<![@\w/]\d)")
_STREET_WORDS = frozenset(
    [
        "street",
        "st",
        "avenue",
        "ave",
        "road",
        "rd",
        "boulevard",
        "blvd",
        "lane",
        "ln",
        "drive",
        "dr",
        "court",
        "ct",
        "place",
        "pl",
        "way",
        "terrace",
        "highway",
        "hwy",
        "parkway",
        "pkwy",
        "square",
        "sq",
        "close",
        "crescent",
        "park",
        "station",
        "bridge",
        "route",
        "cl",
        "cres",
        "grove",
        "row",
        "mews",
        "gardens",
        "walk",
        "rise",
    ]
)

# Words that can introduce a letters-only booking code (_LETTER_CODE).
_CODE_WORDS = frozenset(["locator", "pnr", "confirmation", "booking", "conf"])
# Every token extract_entities (and find_datetimes under it) looks for among the words.
GATE_WORDS = _STREET_WORDS | DATE_TOKENS | _CODE_WORDS


def _may_hold_email(text: str) -> bool:
    """An address has a character right before its '@'; a handle has a space or nothing."""
    at = text.find("@", 1)
    while at != -1:
        if text[at - 1].isalnum() or text[at - 1] in "._+-":
            return True
        at = text.find("@", at + 1)
    return False


def extract_entities(
    text: str,
    created_at: datetime | None,
    coordinates: tuple[float, float] | None = None,
    words: frozenset[str] | set[str] | None = None,
) -> tuple[Entities, bool]:
    """All entities of one post, and whether it exposes personal data in public.

    words, the post's lower-cased tokens when the caller has them, let cheap checks skip the
    extractors that cannot match; the answers are the same without them.
    """
    datetimes: list[str] = []
    windows: list[list[str]] = []
    if words is None or not DATE_TOKENS.isdisjoint(words):
        resolved = find_datetimes(text, created_at, words)
        if resolved:
            zone = created_at.tzinfo if created_at is not None and created_at.tzinfo else UTC
            datetimes = list(dict.fromkeys(r.iso(zone) for r in resolved))
            windows = [r.iso(zone).split("/") for r in resolved if r.until is not None]
    digits = _REAL_DIGIT.search(text) is not None
    masked = "__" in text
    streets = words is None or not _STREET_WORDS.isdisjoint(words)
    codes = words is None or not _CODE_WORDS.isdisjoint(words)
    if digits or masked or streets or codes:
        phones = find_phones(text) if digits or masked else []
        accounts = find_account_numbers(text) if digits or masked or codes else []
        addresses = (
            find_addresses(text)
            if digits and (streets or _STATE_ZIP.search(text) is not None)
            else []
        )
        locations = find_locations(text, streets=streets, digits=digits, addresses=addresses)
    else:  # what find_locations does with no digit and no street word: named places only
        phones, accounts, addresses = [], [], []
        named = "in" in text or "at" in text or "near" in text or "outside" in text
        locations = _places(text, []) if named or "from" in text else []
    emails = find_emails(text) if masked or _may_hold_email(text) else []
    points = [coordinates] if coordinates else []
    if digits and "." in text and "," in text:
        points = list(dict.fromkeys(points + find_coordinates(text)))
    entities = Entities(datetimes, phones, emails, accounts, locations, points, windows)
    return entities, bool(phones or emails or accounts or addresses)
