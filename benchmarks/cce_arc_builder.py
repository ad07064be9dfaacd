"""Shared by cce-dev2/build.py and cce-dev3/build.py: compact "sender: text #tags" scenarios
into DATASPEC conversations, the moderator's alert worked out from the tags.

The rule (DATASPEC's moderator): a debt or a threat at once, otherwise the second indicator
once one of them is a task, a work phone, secrecy, a platform move or an offer.
"""

import json
from pathlib import Path

CE = "criminal_exploitation"
J = "benign_job"
RISKY = {"courier_task", "burner_phone", "isolation_secrecy", "platform_move", "money_offer"}


def moderator_alert(tactics, n_lines):
    """The message index at which a moderator would act, from the recruiter's tags."""
    seen = []
    for t in tactics:
        if t["tactic"] in ("debt", "threat"):
            return t["i"]
        seen.append(t)
        idx = sorted({x["i"] for x in seen})
        if len(idx) >= 2 and any(x["tactic"] in RISKY for x in seen):
            return idx[1]
    return tactics[-1]["i"] if tactics else n_lines - 1


class ArcSet:
    """One development set: ``conv(...)`` adds a scenario, ``write()`` the JSON Lines file."""

    def __init__(self, month):
        self.month = month  # "2026-06": each set's conversations fall in a month of its own
        self.scenarios = []

    def conv(self, cid, platform, locale, parts, category, notes, lines, offender=None):
        label = CE if category == CE else "benign"
        messages, tactics = [], []
        ts = 0
        day = 1 + len(self.scenarios) % 27
        for i, line in enumerate(lines):
            sender, _, rest = line.partition(": ")
            text, _, tags = rest.partition(" #")
            for tag in filter(None, tags.split(",")):
                tactics.append({"i": i, "tactic": tag.strip()})
            ts += 41 + (i * 17) % 80
            h, m, s = 16 + ts // 3600, (ts % 3600) // 60, ts % 60
            messages.append(
                {"ts": f"{self.month}-{day:02d}T{h:02d}:{m:02d}:{s:02d}Z", "from": sender, "text": text}
            )
        benign = label == "benign"
        self.scenarios.append({
            "id": cid, "platform": platform, "locale": locale,
            "participants": [
                {"id": p[0], "declared_age": p[1], "true_age": p[2], "account_age_days": p[3],
                 "connected": p[4]} for p in parts
            ],
            "messages": messages, "label": label, "category": category,
            "offender": None if benign else offender,
            "tactics": [] if benign else tactics,
            "first_alert_index": None if benign else moderator_alert(tactics, len(lines)),
            "variant_of": None, "notes": notes,
        })

    def write(self, out: Path):
        ids = [s["id"] for s in self.scenarios]
        assert len(ids) == len(set(ids)), "duplicate ids"
        with out.open("w", encoding="utf-8") as f:
            for s in self.scenarios:
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
        n = sum(s["label"] == CE for s in self.scenarios)
        print(f"wrote {out}: {len(ids)} conversations, {n} criminal exploitation, {len(ids) - n} benign")
