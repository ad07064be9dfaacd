"""Local fakes of the authorities' APIs, served by uvicorn on 127.0.0.1 (a random port).

* :func:`cybertipline_app`: the CyberTipline Reporting API (Basic auth; ``/status``,
  ``/submit``, ``/upload``, ``/fileinfo``, ``/finish``, ``/retract``). It validates every
  report and file-details document against the schema NCMEC's documentation describes (the
  XSD the package ships), answers in NCMEC's XML, and fails any step on demand
  (``state.fail[step] = [503, "4100", ...]``: an HTTP status, or a responseCode answered with
  HTTP 400) or holds it (``state.hold`` = step: the request waits until the test releases it,
  then fails with 503, as when the caller was killed meanwhile).
* :func:`transparency_app`: the DSA Transparency Database's batch endpoint (the published
  field rules, a ``puid`` used once; it can fail, or accept a batch and lose the answer).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import FastAPI, Request, Response
from service_helpers import serve_app as serve  # noqa: F401  (the tests serve these apps)

from safeguarding.reports.dsa import validate_statement
from safeguarding.reports.ncmec.document import schema_errors

USER, PASSWORD = "esp-test-user", "test-password-not-real"


@dataclass
class CyberTipState:
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: dict[str, list[Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    hold: str | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    next_id: int = 1000

    def finished(self) -> list[dict[str, Any]]:
        return [r for r in self.reports.values() if r["finished"]]


def _answer(code: str, description: str, status: int = 200, **fields: str) -> Response:
    root = ET.Element("reportResponse")
    ET.SubElement(root, "responseCode").text = code
    ET.SubElement(root, "responseDescription").text = description
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    return Response(ET.tostring(root), status_code=status, media_type="text/xml")


def cybertipline_app(state: CyberTipState) -> FastAPI:
    app = FastAPI()

    async def check(request: Request, step: str) -> Response | None:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return Response(status_code=401)
        state.calls.append(step)
        if state.hold == step:
            state.held.set()
            await asyncio.to_thread(state.release.wait, 30)
            state.hold = None
            return Response(status_code=503)
        queued = state.fail.get(step)
        if queued:
            failure = queued.pop(0)
            if isinstance(failure, int):
                return Response(status_code=failure)
            return _answer(str(failure), f"Injected failure of {step}", status=400)
        return None

    @app.get("/status")
    async def status(request: Request) -> Response:
        return await check(request, "status") or _answer("0", f"Remote User : {USER}")

    @app.post("/submit")
    async def submit(request: Request) -> Response:
        refused = await check(request, "submit")
        if refused:
            return refused
        body = await request.body()
        errors = schema_errors(body)
        if errors:
            return _answer("4100", "; ".join(errors)[:300], status=400)
        state.next_id += 1
        report_id = str(state.next_id)
        state.reports[report_id] = {
            "xml": body,
            "files": {},
            "details": {},
            "finished": False,
            "retracted": False,
        }
        return _answer("0", "Success", reportId=report_id)

    @app.post("/upload")
    async def upload(request: Request) -> Response:
        refused = await check(request, "upload")
        if refused:
            return refused
        form = await request.form()
        report = state.reports.get(str(form.get("id")))
        upload = form.get("file")
        if report is None or report["finished"] or report["retracted"] or upload is None:
            return _answer("1100", "No open report with this id", status=400)
        content = await upload.read()  # type: ignore[union-attr]
        file_id = uuid.uuid4().hex
        report["files"][file_id] = content
        return _answer("0", "Success", reportId=str(form.get("id")), fileId=file_id)

    @app.post("/fileinfo")
    async def fileinfo(request: Request) -> Response:
        refused = await check(request, "fileinfo")
        if refused:
            return refused
        body = await request.body()
        errors = schema_errors(body)
        if errors:
            return _answer("4100", "; ".join(errors)[:300], status=400)
        root = ET.fromstring(body)
        report = state.reports.get(root.findtext("reportId") or "")
        file_id = root.findtext("fileId") or ""
        if report is None or file_id not in report["files"]:
            return _answer("1100", "Unknown report or file", status=400)
        report["details"][file_id] = body
        return _answer("0", "Success")

    @app.post("/finish")
    async def finish(request: Request) -> Response:
        refused = await check(request, "finish")
        if refused:
            return refused
        form = await request.form()
        report = state.reports.get(str(form.get("id")))
        if report is None or report["finished"] or report["retracted"]:
            return _answer("1100", "No open report with this id", status=400)
        report["finished"] = True
        root = ET.Element("reportDoneResponse")
        ET.SubElement(root, "responseCode").text = "0"
        ET.SubElement(root, "reportId").text = str(form.get("id"))
        files = ET.SubElement(root, "files")
        for file_id in report["files"]:
            ET.SubElement(files, "fileId").text = file_id
        return Response(ET.tostring(root), media_type="text/xml")

    @app.post("/retract")
    async def retract(request: Request) -> Response:
        refused = await check(request, "retract")
        if refused:
            return refused
        form = await request.form()
        report = state.reports.get(str(form.get("id")))
        if report is None or report["finished"]:
            return _answer("1100", "No open report with this id", status=400)
        report["retracted"] = True
        return _answer("0", "Success")

    return app


@dataclass
class TransparencyState:
    token: str = "dsa-test-token"
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    fail: list[int] = field(default_factory=list)
    puids: set[str] = field(default_factory=set)
    lose_answers: int = 0  # accept this many batches but answer 503 (the answer lost)


def transparency_app(state: TransparencyState) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/statements")
    async def statements(request: Request) -> Any:
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return Response(status_code=401)
        if state.fail:
            return Response(status_code=state.fail.pop(0))
        body = await request.json()
        batch = body.get("statements") or []
        errors: dict[str, list[str]] = {}
        if not 1 <= len(batch) <= 100:
            errors["statements"] = ["between 1 and 100 statements"]
        for i, statement in enumerate(batch):
            for problem in validate_statement(statement):
                errors.setdefault(f"statements.{i}.{problem.split(':')[0]}", []).append(problem)
            if statement.get("puid") in state.puids:
                errors.setdefault(f"statements.{i}.puid", []).append(
                    "the puid has already been taken"
                )
        if errors:
            return Response(
                content=json.dumps({"message": "The given data was invalid.", "errors": errors}),
                status_code=422,
                media_type="application/json",
            )
        state.batches.append(batch)
        state.puids |= {s["puid"] for s in batch}
        if state.lose_answers:
            state.lose_answers -= 1
            return Response(status_code=503)
        return {"statements": [{**s, "uuid": str(uuid.uuid4())} for s in batch]}

    return app
