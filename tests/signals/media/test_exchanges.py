"""Hash exchanges against local fakes of NCMEC's hash sharing API, Meta ThreatExchange's
``/threat_updates`` and a plain HTTPS list: incremental sync, retractions, feedback,
credentials from configuration. Every hash here is made up for the test."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest
from fastapi import FastAPI, Request, Response
from service_helpers import serve_app

from safeguarding.domain import MediaBank
from safeguarding.signals.media.banks import BankFormat
from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.exchanges import (
    BankStoreWriter,
    EventCheckpoints,
    ExchangeSync,
    HttpsListExchange,
    NcmecHashExchange,
    ThreatExchangeBank,
    exchanges_from_config,
)
from safeguarding.signals.media.hashes import HashType
from safeguarding.storage import Repository
from safeguarding.storage.repository.media import TenantMediaStore

PDQ_A, PDQ_B, PDQ_C = "a" * 64, "b" * 64, "c" * 64
MD5_A = "d" * 32
NCMEC_USER, NCMEC_PASSWORD = "hash-test-user", "hash-test-password"
TE_TOKEN = "123456789|" + "x" * 24


def _entry(tag: str, entry_id: str, fingerprints: dict[str, str]) -> str:
    prints = "".join(f"<{k}>{v}</{k}>" for k, v in fingerprints.items())
    return (
        f"<{tag}><id>{entry_id}</id><member id='42'>Example ESP</member>"
        f"<classification>A1</classification><fingerprints>{prints}</fingerprints></{tag}>"
    )


def ncmec_app(pages: list[list[str]], calls: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    expected = "Basic " + base64.b64encode(f"{NCMEC_USER}:{NCMEC_PASSWORD}".encode()).decode()

    @app.get("/v2/entries")
    async def entries(request: Request) -> Response:
        if request.headers.get("authorization") != expected:
            return Response(status_code=401)
        params = dict(request.query_params)
        calls.append({"path": "entries", **params})
        index = int(params.get("start", 0))
        page = pages[index] if index < len(pages) else []
        following = (
            "<paging><next>/v2/entries?from=x&amp;to=y"
            f"&amp;start={index + 1}&amp;size=1&amp;max=9</next></paging>"
            if index + 1 < len(pages)
            else ""
        )
        body = (
            "<queryResult xmlns='https://hashsharing.ncmec.org/hashsharing/v2'>"
            f"<images count='{len(page)}' maxTimestamp='2026-12-01T00:00:00Z'>"
            f"{''.join(page)}</images>"
            f"{following}</queryResult>"
        )
        return Response(body, media_type="application/xml")

    @app.get("/v2/feedback/{kind}/reasons")
    async def reasons(kind: str) -> Response:
        body = (
            "<feedbackReasons><availableFeedbackReasons>"
            "<reason guid='00000000-0000-0000-0000-000000000001' name='Not CSAM'/>"
            "</availableFeedbackReasons></feedbackReasons>"
        )
        return Response(body, media_type="application/xml")

    @app.put("/v2/entries/{member}/{entry}/{kind}/feedback")
    async def feedback(member: str, entry: str, kind: str, request: Request) -> Response:
        calls.append(
            {
                "path": "feedback",
                "member": member,
                "entry": entry,
                "kind": kind,
                "body": (await request.body()).decode(),
            }
        )
        return Response(status_code=200)

    return app


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'sg.db'}")
    repo.migrate()
    yield repo
    repo.close()


@pytest.fixture
def store(repo: Repository) -> TenantMediaStore:
    store = repo.media(repo.create_tenant("exchange-tenant").id)
    store.create_bank(MediaBank("exchange"))
    return store


def _active(store: TenantMediaStore) -> set[str]:
    return {e.value for e in store.iter_entries() if not e.disabled}


def test_ncmec_sync_is_incremental_removes_deleted_entries_and_takes_feedback(
    store, tmp_path: Path
) -> None:
    calls: list[dict[str, Any]] = []
    pages = [
        [
            _entry("image", "e1", {"pdq": PDQ_A, "md5": MD5_A}),
            _entry("image", "e2", {"pdq": PDQ_B, "pdna": "zz"}),
        ],
        [_entry("image", "e3", {"pdq": PDQ_C})],
    ]
    with serve_app(ncmec_app(pages, calls)) as url:
        exchange = NcmecHashExchange("ncmec", "exchange", NCMEC_USER, NCMEC_PASSWORD, url)
        sync = ExchangeSync([exchange], BankStoreWriter(store), EventCheckpoints(store))
        (report,) = sync.run_once()
        assert (report.added, report.removed, report.skipped, report.error) == (4, 0, 1, None)
        assert _active(store) == {PDQ_A, MD5_A, PDQ_B, PDQ_C}
        assert len([c for c in calls if c["path"] == "entries"]) == 2  # followed the paging
        first_until = EventCheckpoints(store).load()["ncmec"]["until"]
        # the next run asks only for what changed since, and e2 was deleted meanwhile
        pages[:] = [[_entry("deletedImage", "e2", {})]]
        calls.clear()
        (report,) = sync.run_once()
        assert report.removed == 1 and _active(store) == {PDQ_A, MD5_A, PDQ_C}
        assert calls[0]["from"] != "1970-01-01T00:00:00Z" and first_until > 0
        # feedback: the entry's note names the exchange and NCMEC's entry
        (entry,) = [e for e in store.iter_entries() if e.value == PDQ_A]
        sync.feedback(entry.note or "", HashType.PDQ, "seen")
        sync.feedback(entry.note or "", HashType.PDQ, "false_positive")
        votes = [c for c in calls if c["path"] == "feedback"]
        assert [(v["member"], v["entry"], v["kind"]) for v in votes] == [("42", "e1", "PDQ")] * 2
        assert "affirmative" in votes[0]["body"] and "negative" in votes[1]["body"]


def test_a_failing_exchange_keeps_its_checkpoint(store, tmp_path: Path) -> None:
    with serve_app(ncmec_app([], [])) as url:
        bad = NcmecHashExchange("ncmec", "exchange", NCMEC_USER, "wrong-password", url)
        sync = ExchangeSync([bad], BankStoreWriter(store), EventCheckpoints(store))
        (report,) = sync.run_once()
    assert report.error == "HTTPError" and EventCheckpoints(store).load() == {}


def threatexchange_app(updates: list[dict[str, Any]], calls: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.get("/{group}/threat_updates/")
    async def threat_updates(group: str, request: Request) -> Any:
        params = dict(request.query_params)
        if params.get("access_token") != TE_TOKEN:
            return Response(status_code=401)
        calls.append(params)
        return {"data": list(updates), "paging": {}}

    @app.post("/{descriptor}/")
    async def react(descriptor: str, request: Request) -> Any:
        params = dict(request.query_params)
        if params.get("access_token") != TE_TOKEN:
            return Response('{"error": {"message": "bad token"}}', status_code=400)
        calls.append({"react": descriptor, **params})
        return {"success": True}

    return app


def _te(update_id: int, kind: str, value: str, delete: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(update_id),
        "indicator": value,
        "type": kind,
        "last_updated": 1_790_000_000 + update_id,
        "should_delete": delete,
        "creation_time": 1_790_000_000,
    }
    if not delete:
        body["descriptors"] = {
            "data": [{"id": str(9000 + update_id), "tags": ["test"], "owner": {"id": "1"}}]
        }
    return body


def test_threatexchange_updates_and_deletes(store, tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    updates = [
        _te(1, "HASH_PDQ", PDQ_A),
        _te(2, "HASH_MD5", MD5_A),
        _te(3, "URI", "http://x.example"),
    ]
    with serve_app(threatexchange_app(updates, calls)) as url:
        exchange = ThreatExchangeBank("te", "exchange", TE_TOKEN, 1234, url)
        sync = ExchangeSync([exchange], BankStoreWriter(store), EventCheckpoints(store))
        (report,) = sync.run_once()
        assert (report.added, report.skipped) == (2, 1) and _active(store) == {PDQ_A, MD5_A}
        updates[:] = [_te(1, "HASH_PDQ", PDQ_A, delete=True)]
        (report,) = sync.run_once()
        assert report.removed == 1 and _active(store) == {MD5_A}
        assert int(calls[1]["start_time"]) > 0  # incremental
        (entry,) = [e for e in store.iter_entries() if e.value == MD5_A]
        sync.feedback(entry.note or "", HashType.MD5, "seen")
        assert calls[-1]["react"] == "9002" and calls[-1]["reactions"] == "SAW_THIS_TOO"


def test_https_list_uses_etags_and_removes_what_left_the_list(store, tmp_path: Path) -> None:
    state = {"body": f"{MD5_A}\n{'e' * 32}\nnot-a-hash\n", "etag": '"v1"', "gets": 0}
    app = FastAPI()

    @app.get("/list.txt")
    async def listing(request: Request) -> Response:
        state["gets"] += 1
        if request.headers.get("authorization") != "Bearer list-token":
            return Response(status_code=401)
        if request.headers.get("if-none-match") == state["etag"]:
            return Response(status_code=304)
        return Response(str(state["body"]), headers={"ETag": str(state["etag"])})

    with serve_app(app) as url:
        exchange = HttpsListExchange(
            "list", "exchange", url + "/list.txt", BankFormat.MD5, "list-token"
        )
        sync = ExchangeSync([exchange], BankStoreWriter(store), EventCheckpoints(store))
        (report,) = sync.run_once()
        assert (report.added, report.skipped) == (2, 1)
        (report,) = sync.run_once()
        assert (report.added, report.removed) == (0, 0)  # 304: unchanged
        state.update(body=f"{MD5_A}\n", etag='"v2"')
        (report,) = sync.run_once()
        assert report.removed == 1 and _active(store) == {MD5_A}
        state.update(body=f"{MD5_A}\n{'e' * 32}\n", etag='"v3"')
        (report,) = sync.run_once()
        assert report.added == 1 and _active(store) == {MD5_A, "e" * 32}  # listed again


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_TE_TOKEN", TE_TOKEN)
    monkeypatch.setenv("TEST_NCMEC_PASSWORD", NCMEC_PASSWORD)
    found = exchanges_from_config(
        [
            {
                "kind": "threatexchange",
                "name": "te",
                "bank": "b",
                "privacy_group": 5,
                "token_env": "TEST_TE_TOKEN",
            },
            {
                "kind": "ncmec",
                "name": "n",
                "bank": "b",
                "username": NCMEC_USER,
                "password_env": "TEST_NCMEC_PASSWORD",
                "base_url": "http://127.0.0.1:9",
            },
        ]
    )
    assert isinstance(found[0], ThreatExchangeBank) and found[0].api.api_token == TE_TOKEN
    assert isinstance(found[1], NcmecHashExchange) and found[1].api.password == NCMEC_PASSWORD
    with pytest.raises(Exception, match="unknown exchange kind"):
        exchanges_from_config([{"kind": "ftp", "name": "x", "bank": "b"}])


def test_cli_sync_once(repo: Repository, store: TenantMediaStore, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from safeguarding.cli import app

    app_ = FastAPI()

    @app_.get("/l.txt")
    async def listing() -> Response:
        return Response(f"{MD5_A}\n")

    with serve_app(app_) as url:
        config = tmp_path / "ex.yaml"
        config.write_text(
            "exchanges:\n"
            f"  - {{kind: https, name: l, bank: exchange, url: '{url}/l.txt', format: md5}}\n"
        )
        db = f"sqlite:///{tmp_path / 'sg.db'}"
        args = ["exchanges", "sync", "--config", str(config), "--tenant", "exchange-tenant"]
        result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    assert '"added": 1' in result.output and _active(store) == {MD5_A}


def test_missing_credentials_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_UNSET_SECRET", raising=False)
    for section in (
        {
            "kind": "ncmec",
            "name": "n",
            "bank": "b",
            "username": "u",
            "password_env": "TEST_UNSET_SECRET",
        },
        {
            "kind": "threatexchange",
            "name": "t",
            "bank": "b",
            "privacy_group": 1,
            "token_env": "TEST_UNSET_SECRET",
        },
    ):
        with pytest.raises(MediaError, match="needed"):
            exchanges_from_config([section])
