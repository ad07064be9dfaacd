"""The platform client (sync and async) and webhook signature verification."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from service_helpers import GROOMING, Harness, conversation_events, live_server, sqlite_url

from safeguarding.client import (
    ApiError,
    AsyncSafeguardingClient,
    SafeguardingClient,
    SignatureError,
    sign,
    verify_signature,
)


@pytest.fixture
def live(tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    """The real app served by uvicorn on a random loopback port."""
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    _, headers = h.tenant("p")
    with live_server(h) as url:
        yield url, headers
    h.close()


def _key(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_sync_client_sends_and_reads(live) -> None:
    url, headers = live
    with SafeguardingClient(url, _key(headers)) as client:
        answer = client.send_events(conversation_events("p", "c1", GROOMING))
        assert answer["created"] == len(GROOMING)
        assert client.send_events(conversation_events("p", "c1", GROOMING))["duplicates"] == len(
            GROOMING
        )
        assert client.conversation("c1")["message_count"] == len(GROOMING)
        assert client.account("adult1")["conversations"] == 1
        alerts = list(client.iter_alerts(limit=1))
        assert alerts and all(a["conversation_id"] == "c1" for a in alerts)
        with pytest.raises(ApiError) as err:
            client.conversation("missing")
        assert err.value.status == 404 and err.value.problem["title"] == "Unknown conversation"


@pytest.mark.asyncio
async def test_async_client_sends_and_reads(live) -> None:
    url, headers = live
    async with AsyncSafeguardingClient(url, _key(headers)) as client:
        answer = await client.send_events(conversation_events("q", "c2", GROOMING[:3]))
        assert [r["message_index"] for r in answer["results"]] == [0, 1, 2]
        assert (await client.conversation("c2"))["message_count"] == 3
        page = await client.alerts(status="all")
        assert "items" in page


def test_client_retries_transient_failures_but_not_client_errors() -> None:
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] < 3:
            return httpx.Response(503, json={"title": "Not ready", "detail": "starting"})
        return httpx.Response(200, json={"created": 1})

    client = SafeguardingClient("http://sg.test", "k", transport=httpx.MockTransport(flaky))
    assert client.send_events([{"type": "message"}]) == {"created": 1}
    assert calls["n"] == 3

    calls["n"] = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(422, json={"title": "Invalid request", "detail": "bad"})

    client = SafeguardingClient("http://sg.test", "k", transport=httpx.MockTransport(refuse))
    with pytest.raises(ApiError):
        client.send_events([{}])
    assert calls["n"] == 1


def test_signatures_verify_and_reject_tampering_and_replay() -> None:
    body = b'{"type":"alert.raised"}'
    header = sign("s3cret", body, timestamp=1_700_000_000)
    assert verify_signature("s3cret", header, body, now=1_700_000_100) == 1_700_000_000
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("s3cret", header, body + b" ", now=1_700_000_100)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("other", header, body, now=1_700_000_100)
    with pytest.raises(SignatureError, match="300 s"):
        verify_signature("s3cret", header, body, now=1_700_000_000 + 301)
    with pytest.raises(SignatureError):
        verify_signature("s3cret", "v1=abc", body)
    with pytest.raises(SignatureError):
        verify_signature("s3cret", None, body)


AWKWARD_IDS = (
    "room/7",
    "a?b=c",
    "x#y",
    "100%",
    "..",
    ".",
    "a/../b",
    "sp ace",
    "ünï/cødé",
    "trailing/",
    "c/assessment",
    "+plus&amp;",
)


@pytest.mark.parametrize("sdk", ["sync", "async"])
def test_ids_with_reserved_characters_round_trip(live, sdk: str) -> None:
    """Any id an event may carry can be read back: the client percent-encodes it and the
    routes take the whole segment run up to their fixed tail."""
    url, headers = live
    events = [
        {
            "type": "message",
            "id": f"e-{sdk}-{i}",
            "conversation_id": f"{sdk}-{cid}",
            "message_id": "m0",
            "sender": f"{sdk}-{cid}-sender",
            "recipients": ["kid"],
            "ts": "2026-01-01T10:00:00Z",
            "text": "hi",
        }
        for i, cid in enumerate(AWKWARD_IDS)
    ]
    if sdk == "sync":
        with SafeguardingClient(url, _key(headers)) as client:
            assert client.send_events(events)["created"] == len(events)
            for cid in AWKWARD_IDS:
                assert client.conversation(f"{sdk}-{cid}")["conversation_id"] == f"{sdk}-{cid}"
                assert client.account(f"{sdk}-{cid}-sender")["account_id"] == f"{sdk}-{cid}-sender"
    else:

        async def run() -> None:
            async with AsyncSafeguardingClient(url, _key(headers)) as client:
                assert (await client.send_events(events))["created"] == len(events)
                for cid in AWKWARD_IDS:
                    answer = await client.conversation(f"{sdk}-{cid}")
                    assert answer["conversation_id"] == f"{sdk}-{cid}"
                    account = await client.account(f"{sdk}-{cid}-sender")
                    assert account["account_id"] == f"{sdk}-{cid}-sender"

        asyncio.run(run())
    # Read without the SDK too: plain percent-encoding of the whole id.
    with httpx.Client(base_url=url, headers=headers) as raw:
        for cid in ("room/7", "a?b=c", "x#y", "100%"):
            path = f"/v1/conversations/{quote(f'{sdk}-{cid}', safe='')}/assessment"
            assert raw.get(path).json()["conversation_id"] == f"{sdk}-{cid}"
