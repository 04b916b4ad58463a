"""The word lists behind `surveys.reading`: what counts things, and what words and emoji mean.

Kept apart from the rules so the rules read as rules; every list is a plain set of lower-case
words, written as one string per list.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# A number followed by one of these counts something: "2 days", "3 more questions", "5 pm".
QUANTITY_AFTER = words(
    "second seconds sec secs minute minutes min mins hour hours hr hrs h day days week weeks "
    "month months year years yr yrs am pm o'clock oclock time times more other others extra "
    "item items order orders package packages parcel parcels box boxes piece pieces unit "
    "units bag bags question questions issue issues problem problems thing things email "
    "emails mail mails call calls message messages dm dms tweet tweets reply replies "
    "attempt attempts try tries agent agents person people guy guys kid kids customer "
    "customers ticket tickets case cases account accounts product products device devices "
    "phone phones card cards bill bills payment payments refund refunds charge charges "
    "dollar dollars buck bucks euro euros pound pounds cent cents usd eur gbp k x percent "
    "pct gb mb kg lb lbs km miles mile meters m cm inch inches ft feet of step steps page "
    "pages store stores shop shops location locations seat seats room rooms night nights "
    "weekend weekends business working calendar full whole separate different new thumbs"
)
# A number after one of these names or times something: "order 12345", "at 5", "by 3".
QUANTITY_BEFORE = words(
    "order item case ticket number nr num ref reference page step option version v model "
    "iphone pixel galaxy gen series gate room flight line seat store zone level floor "
    "chapter part ext extension press dial code pin id acct account at by after before "
    "until till til since within around from top first last every each per only just "
    "over under than about approx approximately nearly almost"
)
# "nice one", "no one", "the one": a pronoun, not a number.
ONE_AFTER = words(
    "nice good great this that the no any some every each last next which another other "
    "only right wrong new old first big little quick easy cool lovely smart brilliant "
    "excellent perfect fab top solid decent"
)
# A message whose words before its number start like this asks something.
INTERROGATIVES = words(
    "how what why when where who which whom whose can could is are do does did will "
    "should may might am"
)
NOT_AN_ANSWER = ("stop", "unsubscribe", "who is this", "who's this", "wrong person", "spam")
# Words and emoji by meaning, as a CSAT score (underscores join the words of a phrase).
CSAT_WORDS: dict[int, frozenset[str]] = {
    1: words(
        "terrible awful horrible worst useless appalling dreadful atrocious abysmal pathetic "
        "horrendous disgraceful disgusting shocking rubbish garbage trash hopeless "
        "infuriating unacceptable the_worst very_bad really_bad so_bad super_bad "
        "extremely_bad very_poor really_poor never_again waste_of_time a_joke hated hate_it "
        "hate_you 👎 😡 🤬 😠 😤 💩 "
        "🤮"
    ),
    2: words(
        "bad poor disappointing disappointed not_good not_great unhappy not_happy unsatisfied "
        "dissatisfied not_satisfied unhelpful not_helpful not_very_good not_very_helpful "
        "not_impressed subpar sub-par below_average could_have_been_better "
        "could've_been_better not_so_good not_too_good thumbs_down 😞 😕 🙁 ☹ 😒 🙄"
    ),
    3: words(
        "ok okay k fine average meh so-so so_so alright all_right not_bad mediocre decent "
        "acceptable fair mixed could_be_better not_too_bad neutral nothing_special "
        "it_was_ok it_was_fine mid 😐 🆗"
    ),
    4: words(
        "good pretty_good nice helpful satisfied happy very_good really_good quite_good "
        "pleased solid glad thumbs_up no_complaints 👍 👌 🙂 😊 ✅"
    ),
    5: words(
        "great excellent amazing perfect brilliant fantastic outstanding loved loved_it love_it "
        "love_you love_the "
        "awesome superb wonderful incredible exceptional phenomenal flawless stellar "
        "the_best best_ever top_notch first_class first-class five_stars goated gr8 "
        "couldn't_be_happier couldn't_be_better could_not_be_better "
        "❤ ♥ 😍 🥰 💯 🔥 🤩 🙌 👏 💖 💕 💜 💙 💚 🧡 💛"
    ),
}
# Words that describe the service rather than rate it: they count only in a reply with none
# of the words above ("quick and friendly" is a 4; "good but slow" is the "good").
DESCRIPTIVE_WORDS: dict[int, frozenset[str]] = {
    2: words("slow frustrating frustrated annoyed annoying lacking confusing rude"),
    4: words("quick fast efficient friendly polite responsive professional smooth easy"),
}
# The same meanings on the NPS scale.
NPS_OF_CSAT = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}
# NPS only: how likely to recommend, said in words.
NPS_PHRASES: dict[str, int] = {
    "definitely would recommend": 10,
    "would definitely recommend": 10,
    "absolutely would recommend": 10,
    "would absolutely recommend": 10,
    "would highly recommend": 10,
    "highly recommend": 10,
    "definitely recommend": 10,
    "absolutely recommend": 10,
    "extremely likely": 10,
    "very likely": 10,
    "would recommend": 8,
    "i'd recommend": 8,
    "will recommend": 8,
    "recommend": 8,
    "likely": 8,
    "unlikely": 3,
    "not likely": 3,
    "would not recommend": 0,
    "wouldn't recommend": 0,
    "would never recommend": 0,
    "won't recommend": 0,
    "will not recommend": 0,
    "not recommend": 0,
    "never recommend": 0,
    "never": 0,
    "no way": 0,
    "not at all": 0,
    "very unlikely": 0,
    "not a chance": 0,
}
