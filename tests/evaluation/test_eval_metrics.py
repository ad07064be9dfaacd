"""Measures of DATASPEC.md on tiny corpora whose answers are worked out by hand below."""

from __future__ import annotations

import math

import pytest

from safeguarding.evaluation.metrics import (
    Prediction,
    evaluate,
    f_beta,
    latency_penalty,
    speed,
)


def test_latency_penalty_anchor_points() -> None:
    # penalty(d) = -1 + 2 / (1 + exp(-p (d - 1))), p = ln 3 / 89
    # d = 1: exp(0) = 1 -> -1 + 2/2 = 0 (alert after the first message costs nothing)
    assert latency_penalty(1) == pytest.approx(0.0)
    # d = 90: exp(-ln 3) = 1/3 -> -1 + 2 / (4/3) = 0.5
    assert latency_penalty(90) == pytest.approx(0.5)
    # grows towards 1 and never reaches it
    assert 0.99 < latency_penalty(2000) < 1.0


def test_speed_is_one_minus_median_penalty() -> None:
    # penalties 0, 0.5 and 0.5 -> median 0.5 -> speed 0.5
    assert speed([1, 90, 90]) == pytest.approx(0.5)
    assert speed([]) is None


def test_two_grooming_two_benign_early_late_and_false_alarm(make_conversation) -> None:
    conversations = [
        # grooming, moderator would escalate after message 2; engine alerts after message 0
        make_conversation("g1", "grooming", 10, first_alert_index=2),
        # grooming, moderator after message 5; engine alerts late, after message 89
        make_conversation("g2", "grooming", 100, first_alert_index=5),
        # benign, 20 messages: a false alarm
        make_conversation("b1", "benign", 20),
        # benign, 30 messages: rightly silent
        make_conversation("b2", "benign", 30, category="adult_adult"),
    ]
    predictions = [
        Prediction("g1", True, 0, 0.9, "a"),
        Prediction("g2", True, 89, 0.7, "b"),  # wrong offender guess
        Prediction("b1", True, 5, 0.6, "a"),
        Prediction("b2", False, None, 0.1, None),
    ]
    report = evaluate(conversations, predictions)

    # TP 2 (g1, g2), FP 1 (b1), FN 0, TN 1 (b2)
    assert (report.tp, report.fp, report.fn, report.tn) == (2, 1, 0, 1)
    # precision 2 / 3, recall 2 / 2
    assert report.precision == pytest.approx(2 / 3)
    assert report.recall == pytest.approx(1.0)
    # F1 = 2PR / (P + R) = (4/3) / (5/3) = 0.8
    assert report.f1 == pytest.approx(0.8)
    # F0.5 = 1.25 PR / (0.25 P + R) = (5/6) / (7/6) = 5/7
    assert report.f05 == pytest.approx(5 / 7)
    # messages read: g1 d = 1 (penalty 0), g2 d = 90 (penalty 0.5); median 0.25; speed 0.75
    assert report.speed == pytest.approx(0.75)
    # latency-weighted F1 = 0.8 * 0.75 = 0.6
    assert report.latency_f1 == pytest.approx(0.6)
    # delays: g1 0 - 2 = -2, g2 89 - 5 = 84; median 41
    assert report.median_alert_delay == pytest.approx(41.0)
    # one alerted benign conversation over 20 + 30 benign messages, per 10,000: 200
    assert report.benign_messages == 50
    assert report.false_alerts_per_10k == pytest.approx(200.0)
    # offender named right in g1, wrong in g2
    assert report.offender_accuracy == pytest.approx(0.5)
    assert report.false_alerts == ["b1"]
    assert report.missed == []


def test_missed_grooming_lowers_recall_and_fbeta(make_conversation) -> None:
    conversations = [
        make_conversation("g1", "grooming", 10, first_alert_index=3),
        make_conversation("g2", "grooming", 10, first_alert_index=3),
        make_conversation("g3", "grooming", 10, first_alert_index=3),
        make_conversation("b1", "benign", 10),
    ]
    predictions = [
        Prediction("g1", True, 3),
        Prediction("g2", False),
        Prediction("g3", False),
        Prediction("b1", False),
    ]
    report = evaluate(conversations, predictions)
    # TP 1, FN 2, FP 0: P = 1, R = 1/3
    assert report.precision == pytest.approx(1.0)
    assert report.recall == pytest.approx(1 / 3)
    # F0.5 = 1.25 * 1 * (1/3) / (0.25 + 1/3) = (5/12) / (7/12) = 5/7
    assert report.f05 == pytest.approx(5 / 7)
    # F1 = 2 * (1/3) / (4/3) = 0.5; the only detection alerted on time: delay 0
    assert report.f1 == pytest.approx(0.5)
    assert report.median_alert_delay == 0.0
    # d = 4: speed = 1 - penalty(4)
    assert report.speed == pytest.approx(1 - (-1 + 2 / (1 + math.exp(-math.log(3) / 89 * 3))))
    assert report.missed == ["g2", "g3"]
    assert report.false_alerts_per_10k == 0.0


def test_nothing_alerted_gives_zero_f_and_undefined_precision(make_conversation) -> None:
    conversations = [make_conversation("g1", "grooming", 5), make_conversation("b1")]
    report = evaluate(conversations, [Prediction("g1", False), Prediction("b1", False)])
    assert report.precision is None
    assert report.recall == 0.0
    assert report.f1 == 0.0 and report.f05 == 0.0
    assert report.speed is None
    assert report.latency_f1 == 0.0
    assert report.median_alert_delay is None


def test_benign_only_corpus_measures_false_alarms_only(make_conversation) -> None:
    rooms = [
        make_conversation(f"room{i}", "benign", 500, category="benign_group") for i in range(4)
    ]
    predictions = [
        Prediction(c.id, c.id == "room2", 17 if c.id == "room2" else None) for c in rooms
    ]
    report = evaluate(rooms, predictions)
    assert report.recall is None and report.f1 is None and report.latency_f1 is None
    # 1 alerted room over 4 * 500 = 2,000 benign messages -> 5 per 10,000
    assert report.false_alerts_per_10k == pytest.approx(5.0)
    stats = report.by_category["benign_group"]
    assert (stats.count, stats.alerted, stats.recall) == (4, 1, None)
    assert stats.false_alert_rate == pytest.approx(0.25)


def test_whole_conversation_verdict_counts_as_reading_everything(make_conversation) -> None:
    conv = make_conversation("g1", "grooming", 90, first_alert_index=9)
    report = evaluate([conv], [Prediction("g1", True, None)])
    # no alert_at: d = 90 messages read (penalty 0.5), delay = 89 - 9 = 80
    assert report.speed == pytest.approx(0.5)
    assert report.median_alert_delay == 80.0


def test_by_category_gives_recall_for_grooming_and_rate_for_benign(make_conversation) -> None:
    conversations = [
        make_conversation("g1", "grooming", category="grooming"),
        make_conversation("g2", "grooming", category="grooming"),
        make_conversation("s1", "grooming", category="sextortion"),
        make_conversation("b1", "benign", category="bullying"),
        make_conversation("b2", "benign", category="bullying"),
    ]
    alerted = {"g1", "s1", "b2"}
    report = evaluate(conversations, [Prediction(c.id, c.id in alerted) for c in conversations])
    grooming = report.by_category["grooming"]
    assert (grooming.label, grooming.count, grooming.alerted) == ("grooming", 2, 1)
    assert grooming.recall == pytest.approx(0.5) and grooming.false_alert_rate is None
    assert report.by_category["sextortion"].recall == pytest.approx(1.0)
    bullying = report.by_category["bullying"]
    assert (bullying.label, bullying.count, bullying.alerted) == ("benign", 2, 1)
    assert bullying.false_alert_rate == pytest.approx(0.5) and bullying.recall is None


def test_by_locale_precision_recall_and_count(make_conversation) -> None:
    conversations = [
        make_conversation("en-g", "grooming", locale="en-GB"),
        make_conversation("en-b", "benign", locale="en-GB"),
        make_conversation("es-g1", "grooming", locale="es-ES"),
        make_conversation("es-g2", "grooming", locale="es-ES"),
        make_conversation("de-b", "benign", locale="de-DE"),
    ]
    alerted = {"en-g", "en-b", "es-g1"}
    report = evaluate(conversations, [Prediction(c.id, c.id in alerted) for c in conversations])
    en, es, de = (report.by_locale[k] for k in ("en-GB", "es-ES", "de-DE"))
    # en-GB: TP 1, FP 1 -> P 0.5, R 1
    assert (en.count, en.grooming, en.precision, en.recall) == (2, 1, 0.5, 1.0)
    # es-ES: TP 1, FN 1 -> P 1, R 0.5
    assert (es.count, es.grooming, es.precision, es.recall) == (2, 2, 1.0, 0.5)
    # de-DE: nothing alerted, nothing to find
    assert (de.count, de.precision, de.recall, de.f05) == (1, None, None, None)


def test_variants_compare_copies_with_their_plain_originals(make_conversation) -> None:
    conversations = [
        make_conversation("p1", "grooming"),
        make_conversation("p1-leet", "grooming", variant_of="p1"),
        make_conversation("p2", "grooming"),
        make_conversation("p2-leet", "grooming", variant_of="p2"),
        make_conversation("p2-emoji", "grooming", variant_of="p2"),
        make_conversation("orphan", "grooming", variant_of="not-in-corpus"),
        make_conversation("b1", "benign"),
        make_conversation("b1-space", "benign", variant_of="b1"),
    ]
    alerted = {"p1", "p2", "p2-leet", "p2-emoji", "orphan", "b1-space"}
    report = evaluate(conversations, [Prediction(c.id, c.id in alerted) for c in conversations])
    v = report.variants
    # paired copies: p1-leet, p2-leet, p2-emoji, b1-space; "orphan" has no original here
    assert (v.pairs, v.unpaired) == (4, 1)
    # plain set {p1, p2}: both caught -> 1.0; copies: 2 of 3 caught -> 2/3; drop 1/3
    assert (v.plain, v.obfuscated) == (2, 3)
    assert v.recall_plain == pytest.approx(1.0)
    assert v.recall_obfuscated == pytest.approx(2 / 3)
    assert v.recall_drop == pytest.approx(1 / 3)
    assert v.lost == ["p1-leet"]
    # benign pair: the copy alarmed, the original did not
    assert (v.benign_plain, v.false_alerts_plain, v.false_alerts_obfuscated) == (1, 0, 1)


def test_every_conversation_needs_one_prediction(make_conversation) -> None:
    conversations = [make_conversation("a1"), make_conversation("a2")]
    with pytest.raises(ValueError, match="no prediction"):
        evaluate(conversations, [Prediction("a1", False)])
    with pytest.raises(ValueError, match="two predictions"):
        evaluate(conversations, [Prediction("a1", False)] * 2 + [Prediction("a2", False)])


def test_f_beta_matches_the_precision_recall_form() -> None:
    # tp 6, fp 2, fn 3: P = 0.75, R = 2/3
    p, r = 0.75, 2 / 3
    for beta in (0.5, 1.0, 2.0):
        expected = (1 + beta**2) * p * r / (beta**2 * p + r)
        assert f_beta(6, 2, 3, beta) == pytest.approx(expected)
    assert f_beta(0, 5, 0, 1.0) is None


def test_report_json_has_the_dataspec_keys_first(make_conversation) -> None:
    conv = make_conversation("g1", "grooming", first_alert_index=1)
    data = evaluate([conv], [Prediction("g1", True, 1)]).to_dict()
    assert list(data)[:10] == [
        "precision",
        "recall",
        "f1",
        "f05",
        "latency_f1",
        "median_alert_delay",
        "false_alerts_per_10k",
        "by_category",
        "by_locale",
        "variants",
    ]
    assert data["by_locale"]["en-GB"]["recall"] == 1.0
