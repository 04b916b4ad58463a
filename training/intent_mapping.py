"""Which public intents mean which built-in intent (SPEC.md §1), where the meaning is clear.

Anything not listed is left out of training rather than guessed.
"""

from __future__ import annotations

import random

import corpora

BANKING77 = {
    "billing": """card_payment_fee_charged extra_charge_on_statement transaction_charged_twice
        request_refund Refund_not_showing_up direct_debit_payment_not_recognised
        card_payment_not_recognised cash_withdrawal_charge exchange_charge transfer_fee_charged
        top_up_by_card_charge top_up_by_bank_transfer_charge card_payment_wrong_exchange_rate
        cash_withdrawal_not_recognised top_up_reverted""",
    "account_access": "passcode_forgotten pin_blocked unable_to_verify_identity",
    "order_delivery": "card_arrival card_delivery_estimate",
    "technical_issue": """card_not_working contactless_not_working declined_card_payment
        declined_transfer top_up_failed failed_transfer virtual_card_not_working
        declined_cash_withdrawal card_swallowed""",
    "question": """age_limit country_support fiat_currency_support supported_cards_and_currencies
        exchange_rate top_up_limits atm_support card_acceptance disposable_card_limits
        receiving_money get_physical_card order_physical_card getting_virtual_card
        exchange_via_app automatic_top_up topping_up_by_card why_verify_identity
        visa_or_mastercard getting_spare_card""",
}
CLINC150 = {
    "booking_change": "cancel_reservation confirm_reservation",
    "order_delivery": "order_status lost_luggage",
    "billing": "bill_balance bill_due",
    "account_access": "account_blocked",
    "technical_issue": "card_declined",
    "praise": "thank_you",
    "question": """interest_rate routing international_fees apr credit_limit expiration_date
        replacement_card_duration flight_status carry_on plug_type international_visa
        travel_notification accept_reservations how_busy insurance restaurant_reviews""",
    "other": """oos greeting goodbye tell_joke fun_fact meaning_of_life who_made_you
        what_is_your_name how_old_are_you are_you_a_bot do_you_have_pets what_are_your_hobbies
        where_are_you_from who_do_you_work_for what_can_i_ask_you yes no maybe flip_coin
        roll_dice play_music what_song weather time date timer alarm""",
}
BITEXT = {
    "order_delivery": "cancel_order change_order change_shipping_address delivery_period track_order",  # noqa: E501
    "billing": "check_invoice get_invoice get_refund payment_issue track_refund",
    "account_access": "recover_password registration_problems",
    "complaint": "complaint",
    "question": """check_cancellation_fee check_payment_methods check_refund_policy
        contact_customer_service create_account delivery_options""",
}
PER_LABEL = {"banking77": 40, "clinc150": 30, "bitext": 100, "nlupp": 150}


def _invert(table: dict[str, str]) -> dict[str, str]:
    return {name: intent for intent, names in table.items() for name in names.split()}


def _sample(
    rows: list[tuple[str, str]], table: dict[str, str], per_label: int, rng: random.Random
) -> list[tuple[str, str]]:
    """Up to per_label examples of each source intent, relabelled."""
    mapping = _invert(table)
    by_source: dict[str, list[str]] = {}
    for text, label in rows:
        if label in mapping:
            by_source.setdefault(label, []).append(text)
    out = []
    for label in sorted(by_source):
        texts = by_source[label]
        rng.shuffle(texts)
        out += [(t, mapping[label]) for t in texts[:per_label]]
    return out


def nlupp_examples(rng: random.Random) -> list[tuple[str, str]]:
    """NLU++ examples whose intent modules clearly name a built-in intent."""
    out = []
    for example in corpora.nlupp():
        intents = set(example.get("intents", []))  # type: ignore[call-overload]
        text = str(example["text"])
        if intents & {"booking", "appointment"} and intents & {
            "change",
            "cancel_close_leave_freeze",
        }:
            out.append((text, "booking_change"))
        elif intents == {"refund"} or intents == {"refund", "request_info"}:
            out.append((text, "billing"))
        elif intents and intents <= {"thank", "acknowledge"} and "thank" in intents:
            out.append((text, "praise"))
        elif intents and intents <= {"greet", "affirm", "deny", "end_call", "dont_know", "repeat"}:
            out.append((text, "other"))
        elif "handoff" in intents and len(text) < 80 and ("call" in text.lower()):
            out.append((text, "callback_request"))
        elif "request_info" in intents and not intents & {
            "wrong_notworking_notshowing",
            "lost_stolen",
            "refund",
            "change",
            "cancel_close_leave_freeze",
        }:
            out.append((text, "question"))
    rng.shuffle(out)
    counts: dict[str, int] = {}
    kept = []
    for text, label in out:
        if counts.get(label, 0) < PER_LABEL["nlupp"]:
            counts[label] = counts.get(label, 0) + 1
            kept.append((text, label))
    return kept


def public_intent_examples(seed: int = 13) -> list[tuple[str, str]]:
    """Relabelled examples from data that may train a shipped model, in a fixed order."""
    rng = random.Random(seed)
    rows = _sample(corpora.banking77("train"), BANKING77, PER_LABEL["banking77"], rng)
    rows += _sample(corpora.clinc150("train"), CLINC150, PER_LABEL["clinc150"], rng)
    rows += _sample(corpora.bitext(), BITEXT, PER_LABEL["bitext"], rng)
    rows += nlupp_examples(rng)
    return rows
