"""Micro-benchmark of :func:`normalise` on a generated mix of chat messages.

``python -m safeguarding.benchmarks.normalise`` prints microseconds per message. The mix is
mostly plain chat (as real traffic is) with a share of every evasion the normaliser handles.
"""

from __future__ import annotations

import random
import time
from typing import Any

from safeguarding.normalise.core import normalise

_PLAIN = [
    "hey how are you doing today? school was so boring lol",
    "what games do you play? i like minecraft and fortnite",
    "my mum is making dinner now, talk later ok",
    "haha thats funny, did you see the new video yesterday",
    "are you going to the party on saturday with your friends",
    "i'm 13 and in year 8, what about you? where do you live",
    "can you send me a pic of your outfit for tomorrow",
    "dont tell your parents about our chats ok, its our secret",
    "you are so mature for your age, honestly better than my friends",
    "let's move to snapchat, this app is so slow lately",
    "meet me at the park at 5pm, i'll bring you a present",
    "call me on 07700 900123 after 10:30 tonight",
]
_EVASIVE = [
    "s3nd m3 a p1c of u pl3ase",
    "add me on sn@p or d1sc0rd, my username is {name}",
    "s e n d   m e   a   p i c",
    "pleeeeease dont tell anyone!!!!! its our s.e.c.r.e.t",
    "ѕеnd mе уоur nudеѕ 😘😘",
    "add me on 👻 {name}{num} 🤫🤫",
    "𝐬𝐞𝐧𝐝 𝐦𝐞 𝐚 𝐩𝐢𝐜 ｐｌｅａｓｅ",
    "n\u200bu\u200bd\u200be\u200bs?? s\u00adn\u00ada\u00adp",
    "z̷̢a̵l̶g̷o̸ t̴e̵x̷t̶ h̸e̴r̷e̵ lol",
    "não conte para ninguém, é o nosso segredo 🤐",
    "¿cuántos años tienes? podemos vernos mañana",
    "привет, как дела? ты где живешь",
    "sooooo cuuuute omg 😍😍😍 🎁 for u",
]
_NAMES = ["jake", "kitty", "xXgamerXx", "lily", "sam_99", "mikey", "ellie", "tom"]


def sample_messages(n: int = 10_000, seed: int = 0, evasive_share: float = 0.3) -> list[str]:
    """``n`` chat messages, about ``evasive_share`` of them using an evasion technique."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        pool = _EVASIVE if rnd.random() < evasive_share else _PLAIN
        msg = rnd.choice(pool).format(name=rnd.choice(_NAMES), num=rnd.randint(1, 2012))
        if rnd.random() < 0.5:  # vary the text so caches do not see identical messages only
            words = msg.split(" ")
            i = rnd.randrange(len(words))
            words[i] = words[i] + str(rnd.randint(0, 99)) if rnd.random() < 0.2 else words[i]
            msg = " ".join(words)
            if rnd.random() < 0.3:
                msg = msg.capitalize()
        out.append(msg)
    return out


def normalise_benchmark(
    n: int = 20_000, seed: int = 0, evasive_share: float = 0.3, repeat: int = 3
) -> dict[str, Any]:
    """Time :func:`normalise` on a generated mix; the best of ``repeat`` passes is reported.

    Time is CPU time of this process (``time.process_time``), so a busy machine does not
    inflate it much; it measures one core.

    Returns ``us_per_message``, ``messages_per_second``, ``mean_chars`` and the same figures
    for the plain-only and evasive-only parts of the mix (``plain_us``, ``evasive_us``).
    """
    messages = sample_messages(n, seed, evasive_share)
    plain = sample_messages(max(n // 4, 1), seed + 1, 0.0)
    evasive = sample_messages(max(n // 4, 1), seed + 2, 1.0)

    def best(msgs: list[str]) -> float:
        times = []
        for _ in range(max(repeat, 1)):
            t0 = time.process_time()  # CPU time: robust to other processes sharing the core
            for m in msgs:
                normalise(m)
            times.append(time.process_time() - t0)
        return min(times) / len(msgs) * 1e6

    us = best(messages)
    return {
        "messages": n,
        "mean_chars": sum(map(len, messages)) / n,
        "us_per_message": round(us, 2),
        "messages_per_second": round(1e6 / us),
        "plain_us": round(best(plain), 2),
        "evasive_us": round(best(evasive), 2),
        "evasive_share": evasive_share,
    }


if __name__ == "__main__":
    for key, value in normalise_benchmark().items():
        print(f"{key:>20}: {value}")
