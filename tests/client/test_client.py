"""The platform client (sync and async) and webhook signature verification."""

from __future__ import annotations

from collections.abc import Iterator

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
