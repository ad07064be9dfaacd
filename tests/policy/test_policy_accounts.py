from __future__ import annotations

from datetime import UTC, datetime, timedelta

from safeguarding.policy import AccountSignal, AccountTracker, AgeBand, TrackerSettings

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
OPENERS = [
    "hey i saw ur gameplay, ur really good!! wanna team up sometime?",
    "hey I saw your gameplay, you're really good! wanna team up some time?",
    "Hey i saw ur gameplay ur really good wanna team up sometime :)",
]


def contact(
    tracker: AccountTracker,
    child: str,
    *,
    minutes: int = 0,
    opener: str | None = None,
    sender_band: AgeBand = AgeBand.ADULT,
    recipient_band: AgeBand = AgeBand.CHILD,
    adult_sounding: bool = False,
) -> list[str]:
    alerts = tracker.observe_contact(
        "acct",
        child,
        sender_band=sender_band,
        recipient_band=recipient_band,
        adult_sounding=adult_sounding,
        opener=opener,
        ts=T0 + timedelta(minutes=minutes),
    )
    return [a.signal.value for a in alerts]


def test_adult_contacting_many_children_raises_one_alert() -> None:
    tracker = AccountTracker(TrackerSettings(many_children=3))
    assert contact(tracker, "k1") == []
    contact(tracker, "k1", minutes=1)  # same child twice counts once
    assert contact(tracker, "k2", minutes=2) == []
    assert contact(tracker, "k3", minutes=3) == ["many_children_contacted"]
    assert contact(tracker, "k4", minutes=4) == []  # alert raised once
    facts = tracker.facts("acct")
    assert "many_children_contacted" in facts.signals
    assert tracker.measures("acct")[AccountSignal.MANY_CHILDREN_CONTACTED] == 4


def test_contacts_outside_the_window_expire() -> None:
    tracker = AccountTracker(TrackerSettings(many_children=3, window=timedelta(hours=1)))
    contact(tracker, "k1")
    contact(tracker, "k2", minutes=30)
    assert contact(tracker, "k3", minutes=120) == []
    assert tracker.measures("acct")[AccountSignal.MANY_CHILDREN_CONTACTED] == 1


def test_teen_needs_adult_sounding_language_to_count() -> None:
    tracker = AccountTracker(TrackerSettings(many_children=2))
    contact(tracker, "k1", sender_band=AgeBand.TEEN)
    assert contact(tracker, "k2", sender_band=AgeBand.TEEN) == []
    assert tracker.mark_adult_sounding("acct", T0)[0].signal.value == "many_children_contacted"


def test_adults_contacting_adults_do_not_count() -> None:
    tracker = AccountTracker(TrackerSettings(many_children=2))
    for i in range(5):
        contact(tracker, f"a{i}", recipient_band=AgeBand.ADULT, opener=OPENERS[0])
    assert tracker.facts("acct").signals == frozenset()


def test_near_identical_openers_to_several_children() -> None:
    tracker = AccountTracker()
    contact(tracker, "k1", opener=OPENERS[0], sender_band=AgeBand.TEEN)
    contact(tracker, "k2", opener=OPENERS[1], sender_band=AgeBand.TEEN)
    assert contact(tracker, "k3", opener=OPENERS[2], sender_band=AgeBand.TEEN) == [
        "repeated_openers"
    ]


def test_different_or_trivial_openers_are_not_a_pattern() -> None:
    tracker = AccountTracker()
    for i, text in enumerate(["hi", "hi", "hi", "hey"]):
        contact(tracker, f"t{i}", opener=text)
    different = [
        "did you finish the maths homework from today",
        "what song was playing in the stream earlier",
        "is the club meeting still on for thursday",
    ]
    for i, text in enumerate(different):
        contact(tracker, f"k{i}", opener=text, sender_band=AgeBand.TEEN)
    assert tracker.measures("acct")[AccountSignal.REPEATED_OPENERS] == 1


def test_same_contact_detail_to_several_children() -> None:
    tracker = AccountTracker()
    first = tracker.observe_contact_details(
        "acct", "k1", ["+44 7700 900123"], recipient_band=AgeBand.CHILD, ts=T0
    )
    second = tracker.observe_contact_details(
        "acct", "k2", ["07700900123"], recipient_band=AgeBand.TEEN, ts=T0
    )
    assert first == [] and [a.signal.value for a in second] == [
        "contact_details_shared_with_children"
    ]
    handle = AccountTracker()
    handle.observe_contact_details("acct", "k1", ["@Secret_Pal"], recipient_band=AgeBand.CHILD)
    handle.observe_contact_details("acct", "k2", ["secret_pal"], recipient_band=AgeBand.CHILD)
    assert "contact_details_shared_with_children" in handle.facts("acct").signals


def test_reports_and_prior_actions_feed_facts() -> None:
    tracker = AccountTracker()
    assert [a.signal.value for a in tracker.add_report("acct")] == ["reported"]
    tracker.add_report("acct")
    tracker.add_prior_action("acct")
    facts = tracker.facts("acct")
    assert (facts.reports, facts.prior_actions) == (2, 1)
    assert {"reported", "prior_actions"} <= facts.signals
    assert tracker.facts("nobody").signals == frozenset()


def test_memory_is_bounded() -> None:
    settings = TrackerSettings(max_accounts=10, max_contacts_per_account=8, many_children=100)
    tracker = AccountTracker(settings)
    for i in range(50):
        tracker.observe_contact(
            f"acct{i}", "k", sender_band=AgeBand.ADULT, recipient_band=AgeBand.CHILD, ts=T0
        )
    assert len(tracker) == 10
    for i in range(40):
        contact(tracker, f"k{i}")
    assert tracker.measures("acct")[AccountSignal.MANY_CHILDREN_CONTACTED] == 8
