"""Planted posts for the emerging-issue tests: two real issues and posts about nothing shared."""

from __future__ import annotations

CRASHES = [
    "the app crashes every time I open it since update 5.2",
    "after updating to 5.2 the app keeps crashing on launch",
    "app crashing constantly after the 5.2 update, please fix",
    "since version 5.2 your app crashes when I open it",
    "the 5.2 update broke the app, it crashes immediately",
]
DELIVERY = [
    "my parcel never arrived, tracking says delivered",
    "package marked as delivered but nothing arrived",
    "tracking shows delivered yet my package never arrived",
    "still no parcel, it says delivered but it is not here",
]
UNRELATED = [
    "love the new store layout downtown, great staff",
    "how do I change the email address on my account",
    "your coffee prices went up again this month",
]
