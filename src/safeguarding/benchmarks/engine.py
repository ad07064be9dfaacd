"""Single-core throughput, latency and memory of the streaming engine on a generated stream.

The stream mixes what a platform sees: mostly benign chatter of varying length, some
conversations with grooming-indicator lines (own templates, indicator level only), five
languages, obfuscated spellings, a few very long messages, and many conversations interleaved
so the engine keeps many states alive at once.

``safeguarding bench`` runs this module in a fresh interpreter (``python -m
safeguarding.benchmarks.engine``) with the BLAS/OpenMP thread variables set to 1 before numpy
is imported and the process pinned to one CPU, so the numbers are one core's and the peak RSS
is the engine's, not the rest of the CLI's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.domain import Message, Participant
from safeguarding.measure import one_cpu, percentile

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

BENIGN: dict[str, tuple[str, ...]] = {
    "en": (
        "gg that was close",
        "lol no way",
        "what did you get for question 4",
        "brb dinner",
        "anyone up for another round?",
        "my wifi is so slow today",
        "did you watch the match last night",
        "that update broke everything haha",
        "ok see you tomorrow",
        "can you send the homework sheet",
        "we won!!",
        "i'm bored, what are you doing",
        "nice shot",
        "mum says i have to log off at 9",
    ),
    "es": ("buena partida", "jaja qué risa", "¿hiciste los deberes?", "nos vemos mañana"),
    "fr": ("bien joué", "mdr trop drôle", "t'as fini les devoirs ?", "à demain"),
    "de": ("gut gespielt", "haha wie lustig", "hast du die hausaufgaben?", "bis morgen"),
    "pt": ("boa partida", "kkkk que engraçado", "fez o dever de casa?", "até amanhã"),
}

INDICATORS: dict[str, tuple[str, ...]] = {
    "en": (
        "how old are you btw",
        "are your parents home?",
        "don't tell anyone we talk ok",
        "add me on snap its easier",
        "send me a pic of you",
        "i can get you free skins if you want",
        "you're really mature for your age",
        "we should meet up sometime, where do you live",
        "delete our chat after",
    ),
    "es": ("¿cuántos años tienes?", "no se lo digas a nadie", "mándame una foto"),
    "fr": ("t'as quel âge ?", "ne le dis à personne", "envoie-moi une photo"),
    "de": ("wie alt bist du?", "sag es niemandem", "schick mir ein foto"),
    "pt": ("quantos anos você tem?", "não conta pra ninguém", "manda uma foto"),
}

LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
HOMOGLYPHS = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440"})


def obfuscate(text: str, rng: random.Random) -> str:
    """One of the evasions DATASPEC variants use: leetspeak, spacing, homoglyphs, emoji."""
    style = rng.randrange(4)
    if style == 0:
        return text.translate(LEET)
    if style == 1:
        return " ".join(text)
    if style == 2:
        return text.translate(HOMOGLYPHS)
    return " 😉 ".join(text.split())


@dataclass(slots=True)
class StreamConversation:
    id: str
    language: str
    participants: list[Participant]
    messages: list[Message]


def _conversation(number: int, rng: random.Random, start: datetime) -> StreamConversation:
    language = rng.choices(list(BENIGN), weights=[70, 8, 8, 7, 7])[0]
    cid = f"bench-{number:05d}"
    adult_like = rng.random() < 0.2
    a = Participant("a", declared_age=rng.choice([13, 14, 15, 19, 25, None]))
    b = Participant("b", declared_age=rng.choice([11, 12, 13, 14, None]))
    participants = [a, b]
    if rng.random() < 0.1:  # a few group chats
        participants += [Participant(f"u{k}") for k in range(rng.randint(3, 12))]
    length = int(min(400, max(3, rng.lognormvariate(3.0, 0.9))))
    obfuscating = rng.random() < 0.15
    messages: list[Message] = []
    ts = start
    for i in range(length):
        sender = participants[i % 2 if len(participants) == 2 else rng.randrange(len(participants))]
        pool = INDICATORS if adult_like and sender.id == "a" and rng.random() < 0.3 else BENIGN
        text = rng.choice(pool[language])
        if obfuscating and rng.random() < 0.3:
            text = obfuscate(text, rng)
        if rng.random() < 0.005:  # a long paste
            text = " ".join([text] * rng.randint(60, 150))
        ts += timedelta(seconds=rng.randint(2, 600))
        messages.append(
            Message(conversation_id=cid, sender=sender.id, text=text, ts=ts, locale=language)
        )
    return StreamConversation(cid, language, participants, messages)


def generate_stream(
    messages: int, seed: int = 7, active: int = 200
) -> tuple[list[StreamConversation], list[Message]]:
    """Conversations and their messages interleaved, ``active`` conversations open at once."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    conversations: list[StreamConversation] = []
    open_queues: list[Iterator[Message]] = []
    stream: list[Message] = []
    while len(stream) < messages:
        while len(open_queues) < active:
            conv = _conversation(len(conversations), rng, start)
            conversations.append(conv)
            open_queues.append(iter(conv.messages))
        k = rng.randrange(len(open_queues))
        message = next(open_queues[k], None)
        if message is None:
            open_queues.pop(k)
            continue
        stream.append(message)
    return conversations, stream


@dataclass(slots=True)
class BenchResult:
    messages_per_s: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    max_ms: float
    mean_ms: float
    messages: int
    warmup: int
    conversations: int
    seconds: float
    load_s: float
    threads: int
    cpus: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


@contextmanager
def one_core() -> Iterator[list[int]]:
    """Pin this process to one CPU and native thread pools to one thread; restore after."""
    from threadpoolctl import threadpool_limits

    with one_cpu() as cpu, threadpool_limits(limits=1):
        yield [] if cpu is None else [cpu]


def default_engine_factory() -> Callable[[], Any]:
    """``Engine.default``, imported only when a bench runs (it loads the bundled model)."""
    from safeguarding.risk.engine import Engine

    factory: Callable[[], Any] = Engine.default
    return factory


def run_bench(
    engine_factory: Callable[[], Any] | None = None,
    messages: int = 20_000,
    warmup: int = 1_000,
    seed: int = 7,
    max_seconds: float = 30.0,
) -> BenchResult:
    """Feed the generated stream through ``engine.process`` one message at a time.

    The first ``warmup`` messages are processed but not measured; measuring stops early after
    ``max_seconds`` so a slow engine still returns in bounded time.
    """
    if engine_factory is None:
        engine_factory = default_engine_factory()
    conversations, stream = generate_stream(messages + warmup, seed)
    participants = {c.id: c for c in conversations}
    with one_core() as cpus:
        t0 = time.perf_counter()
        engine = engine_factory()
        load_s = time.perf_counter() - t0
        opened: set[str] = set()
        opener = getattr(engine, "open_conversation", None)

        def feed(message: Message) -> int:
            if opener is not None and message.conversation_id not in opened:
                opened.add(message.conversation_id)
                conv = participants[message.conversation_id]
                opener(conv.id, conv.participants, platform="bench", locale=conv.language)
            t = time.perf_counter_ns()
            engine.process(message)
            return time.perf_counter_ns() - t

        for message in stream[:warmup]:
            feed(message)
        latencies: list[float] = []
        start = time.perf_counter()
        deadline = start + max_seconds
        for message in stream[warmup:]:
            latencies.append(feed(message) / 1e6)
            if len(latencies) % 256 == 0 and time.perf_counter() > deadline:
                break
        seconds = time.perf_counter() - start
    latencies.sort()
    return BenchResult(
        messages_per_s=len(latencies) / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        peak_rss_mb=peak_rss_mb(),
        max_ms=latencies[-1] if latencies else 0.0,
        mean_ms=statistics.fmean(latencies) if latencies else 0.0,
        messages=len(latencies),
        warmup=warmup,
        conversations=len(opened) or len({m.conversation_id for m in stream}),
        seconds=seconds,
        load_s=load_s,
        threads=1,
        cpus=cpus,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m safeguarding.benchmarks.engine``: prints one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    result = run_bench(
        messages=args.messages,
        warmup=args.warmup,
        seed=args.seed,
        max_seconds=args.max_seconds,
    )
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    for variable in THREAD_VARIABLES:  # before anything imports numpy
        os.environ.setdefault(variable, "1")
    raise SystemExit(main())
