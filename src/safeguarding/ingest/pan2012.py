"""Reader for the PAN 2012 sexual predator identification corpus (XML).

The corpus is ``<conversations><conversation id=...><message line=...><author/><time/>
<text/></message>...``; predator author ids come in a separate text file, one per line. The
XML is parsed with :mod:`defusedxml` because research corpora are untrusted input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from safeguarding.domain import Conversation, Message, Participant
from safeguarding.ingest.errors import CorpusError
from safeguarding.ingest.text import clean_text


def read_predator_ids(path: str | Path) -> set[str]:
    """Read the PAN 2012 ground-truth list of predator author ids."""
    return {line.strip() for line in Path(path).read_text().splitlines() if line.strip()}


def _conversation(elem: Element, path: Path, predators: set[str]) -> Conversation:
    cid = elem.get("id")
    if not cid:
        raise CorpusError(str(path), None, "a <conversation> has no id attribute")
    messages: list[Message] = []
    order: list[str] = []
    for i, m in enumerate(elem.findall("message")):
        author = (m.findtext("author") or "").strip()
        if not author:
            raise CorpusError(str(path), None, f"conversation {cid}: message {i} has no author")
        if author not in order:
            order.append(author)
        messages.append(
            Message(
                conversation_id=cid,
                sender=author,
                text=clean_text(m.findtext("text") or ""),
                index=i,
            )
        )
    offenders = [a for a in order if a in predators]
    return Conversation(
        id=cid,
        participants=[Participant(id=a) for a in order],
        messages=messages,
        label=("grooming" if offenders else "benign") if predators else None,
        offender=offenders[0] if offenders else None,
        source=f"{path}#{cid}",
    )


def read_pan2012(
    path: str | Path, predator_ids: str | Path | None = None
) -> Iterator[Conversation]:
    """Yield conversations from a PAN 2012 XML file; labels come from ``predator_ids``."""
    path = Path(path)
    predators = read_predator_ids(predator_ids) if predator_ids else set()
    try:
        for _event, elem in SafeET.iterparse(str(path), events=("end",)):
            if elem.tag == "conversation":
                yield _conversation(elem, path, predators)
                elem.clear()
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise CorpusError(str(path), line, f"invalid XML: {exc}") from exc
