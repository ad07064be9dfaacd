from __future__ import annotations

import pytest

from safeguarding.domain import Participant
from safeguarding.policy import AccountView, AgeBand, SafetySettings, can_contact, can_suggest
from safeguarding.policy.safety import connection_conflict, reconcile, visibility_defaults

ADULT, TEEN, CHILD, UNKNOWN = (
    AccountView(age=34),
    AccountView(age=15),
    AccountView(age=11),
    AccountView(),
)


@pytest.mark.parametrize("recipient", [CHILD, TEEN, UNKNOWN])
@pytest.mark.parametrize("sender", [ADULT, TEEN, UNKNOWN])
def test_no_direct_messages_to_possible_minors_from_unconnected_accounts(
    sender: AccountView, recipient: AccountView
) -> None:
    decision = can_contact(sender, recipient, connected=False)
    assert not decision.allowed and decision.code == "not_connected_to_minor"
    assert "Ofcom ICU F1" in decision.reason
    assert can_contact(sender, recipient, connected=True).allowed


def test_adult_recipients_and_sanctioned_senders() -> None:
    assert can_contact(UNKNOWN, ADULT, connected=False).code == "recipient_adult"
    restricted = AccountView(age=40, restricted_from_minors=True)
    blocked = can_contact(restricted, CHILD, connected=True)
    assert not blocked.allowed and blocked.code == "sender_restricted_from_minors"
    assert can_contact(restricted, ADULT, connected=False).allowed
    suspended = can_contact(AccountView(age=20, suspended=True), ADULT, connected=True)
    assert suspended.code == "sender_suspended" and not suspended.allowed


def test_unknown_age_reason_says_it_is_protected() -> None:
    assert "unknown age" in can_contact(ADULT, UNKNOWN, connected=False).reason


def test_no_suggestions_between_adults_and_possible_minors() -> None:
    for minor in (CHILD, TEEN, UNKNOWN):
        for a, b in ((ADULT, minor), (minor, ADULT)):
            decision = can_suggest(a, b)
            assert not decision.allowed and decision.code == "adult_and_possible_minor"
    assert can_suggest(ADULT, AccountView(age=52)).allowed


def test_minors_kept_out_of_network_expansion_unless_platform_allows_peers() -> None:
    assert can_suggest(TEEN, AccountView(age=14)).code == "minor_network_expansion"
    peers = SafetySettings(peer_suggestions_between_minors=True)
    assert can_suggest(TEEN, AccountView(age=14), settings=peers).allowed
    # an unknown age is never treated as a known minor peer
    assert not can_suggest(TEEN, UNKNOWN, settings=peers).allowed


def test_band_from_declared_band_and_participant() -> None:
    assert AccountView(age_band=AgeBand.TEEN).band is AgeBand.TEEN
    view = AccountView.of(Participant("p", declared_age=15, verified_age=19), restricted=True)
    assert view.band is AgeBand.ADULT and view.age_verified and view.restricted_from_minors


def test_visibility_defaults_hide_minor_connections_and_location() -> None:
    assert visibility_defaults(CHILD)["location_visible"] is False
    assert visibility_defaults(UNKNOWN)["connection_list_visible"] is False
    assert visibility_defaults(ADULT)["location_visible"] is True


def test_peer_suggestions_only_within_the_age_gap() -> None:
    peers = SafetySettings(peer_suggestions_between_minors=True)
    assert can_suggest(AccountView(age=8), AccountView(age=17), settings=peers).code == "age_gap"
    assert can_suggest(AccountView(age=12), AccountView(age=14), settings=peers).allowed
    bands = (AccountView(age_band=AgeBand.TEEN), AccountView(age_band=AgeBand.TEEN))
    assert can_suggest(*bands, settings=peers).code == "age_gap"  # 13 and 17 possible
    narrow = AccountView(age_range=(13, 15))
    assert can_suggest(narrow, AccountView(age=14), settings=peers).allowed


def test_an_unverified_minor_who_writes_like_an_adult_is_treated_as_one() -> None:
    peers = SafetySettings(peer_suggestions_between_minors=True)
    suspect = AccountView(age=14, adult_sounding=True)
    assert suspect.suspected_adult
    assert can_suggest(suspect, AccountView(age=14), settings=peers).code == "suspected_adult"
    verified = AccountView(age=14, age_verified=True, adult_sounding=True)
    assert can_suggest(verified, AccountView(age=14), settings=peers).allowed


def test_reconcile_stored_facts_win_and_conflicts_are_named() -> None:
    stored = AccountView(id="k", age_range=(0, 12), restricted_from_minors=True)
    lie = reconcile(AccountView(id="k", age=30), stored)
    assert lie.conflicts == ("age",) and lie.view.band is AgeBand.CHILD and lie.stored
    same_band = reconcile(AccountView(id="k", age_band=AgeBand.CHILD), stored)
    assert same_band.conflicts == () and same_band.view.restricted_from_minors
    cannot_lift = reconcile(AccountView(id="k", restricted_from_minors=False), stored)
    assert cannot_lift.view.restricted_from_minors
    assert reconcile(AccountView(age=30), None).view.band is AgeBand.ADULT
    exact = reconcile(AccountView(age=15), AccountView(age=14))
    assert exact.conflicts == ("age",)
    assert connection_conflict(True, False) and not connection_conflict(None, False)
