"""HTML pages: the same core calls as :mod:`scholarlens.web.api`, rendered with Jinja2.

Every form works without JavaScript (plain GET/POST, full page back). With htmx, forms swap
only their ``#results`` region (``hx-select``), so the server has one template per page, not
a page and a fragment. Charts are Vega-Lite specs (:mod:`scholarlens.web.charts`) drawn by the
vendored vega-embed in the browser.
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUploadFile

from .. import formats
from ..errors import InputError, NotFoundError, ParseError, QueryError
from ..records import ParsedPaper
from .charts import loads_chart, topics_chart, years_chart
from .context import WebContext, ctx_of
from .forms import (
    PAGE,
    AssignForm,
    Offset,
    PaperId,
    PersonId,
    assign_form,
    assign_order,
    author_list,
    check_format,
    conflict_rows,
    csrf,
    file_bytes,
    pager,
    paper_text,
    parse_upload,
    submission_upload,
)
from .jobs import AssignJob, Job
from .security import COOKIE

router = APIRouter(include_in_schema=False)


def _whois_upload(ctx: WebContext, data: bytes, name: str, format: str | None) -> dict[str, Any]:
    parsed = parse_upload(data, name, format, ctx.limits.max_records)
    result = ctx.kb.whois(parsed)
    return {**result, "_parsed": {"format": parsed.format, "papers": len(parsed.papers), "source": parsed.source}}


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    ctx = ctx_of(request)
    return ctx.render(request, "index.html", summary=ctx.kb.summary())


# -- who knows about X ---------------------------------------------------------------------
@router.get("/experts", response_class=HTMLResponse)
async def experts(request: Request, q: Annotated[str, Query(max_length=2000)] = "", limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Response:
    ctx = ctx_of(request)
    results = None
    error = None
    if q.strip():
        try:
            results = await ctx.compute(lambda: ctx.kb.experts(q, limit=limit))
        except QueryError as exc:
            error = str(exc)
    return ctx.render(request, "experts.html", q=q, limit=limit, results=results, error=error)


# -- who should review this paper ----------------------------------------------------------
@router.get("/reviewers", response_class=HTMLResponse)
def reviewers_form(request: Request) -> Response:
    return ctx_of(request).render(request, "reviewers.html", form={}, results=None)


@router.post("/reviewers", response_class=HTMLResponse)
async def reviewers(
    request: Request,
    title: Annotated[str, Form(max_length=2000)] = "",
    abstract: Annotated[str, Form(max_length=50_000)] = "",
    authors: Annotated[str, Form(max_length=20_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    limit: Annotated[int, Form(ge=1, le=50)] = 10,
) -> Response:
    csrf(request.headers)
    ctx = ctx_of(request)
    form = {"title": title, "abstract": abstract, "authors": authors}
    names = author_list(authors) or None
    results, error, conflicts = None, None, []
    try:
        uploaded = file_bytes(file)
        parsed = None
        if uploaded and not (title.strip() or abstract.strip()):
            upload_name = file.filename if isinstance(file, StarletteUploadFile) else None
            parsed = submission_upload(uploaded, upload_name, ctx.limits.max_records)
        submission: str | ParsedPaper = (
            parsed if parsed is not None else paper_text(title, abstract, uploaded.decode("utf-8", "replace") if uploaded else None)
        )
        # every conflicted person is listed with the evidence, not only those ranked above the cut
        conflict_names = names if names is not None else [a.name for a in parsed.authors] if parsed is not None else []

        def run() -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
            return ctx.kb.reviewers(submission, authors=names, limit=limit), ctx.kb.conflicts(conflict_names) if conflict_names else {}

        results, found = await ctx.compute(run)
        conflicts = conflict_rows(found)
    except InputError as exc:
        error = str(exc)
    return ctx.render(request, "reviewers.html", form=form, results=results, conflicts=conflicts, error=error,
                      status_code=200 if error is None else 400)


# -- who wrote this profile ----------------------------------------------------------------
@router.get("/whois", response_class=HTMLResponse)
async def whois_form(request: Request, profile: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    ctx = ctx_of(request)
    result, stored = None, None
    if profile:
        pid = ctx.kb.resolve_profile_id(profile)
        stored = ctx.kb.profile(pid)
        result = await ctx.compute(lambda: ctx.kb.whois(pid))
    return ctx.render(request, "whois.html", formats=formats.FORMATS, form={}, result=result, stored=stored)


@router.post("/whois", response_class=HTMLResponse)
async def whois(
    request: Request,
    text: Annotated[str, Form(max_length=10_000_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    format: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    csrf(request.headers)
    ctx = ctx_of(request)
    form = {"text": text, "format": format}
    result, error, upload_name = None, None, None
    try:
        data = file_bytes(file)
        if data and isinstance(file, StarletteUploadFile):
            upload_name = file.filename
        else:
            data = text.encode("utf-8")
        result = await ctx.compute(_whois_upload, ctx, data, upload_name or "pasted", check_format(format))
    except InputError as exc:
        error = str(exc)
    return ctx.render(
        request,
        "whois.html",
        formats=formats.FORMATS,
        form=form,
        result=result,
        error=error,
        upload_name=upload_name,
        status_code=200 if error is None else 400,
    )


# -- browsing ------------------------------------------------------------------------------
@router.get("/people", response_class=HTMLResponse)
def people(request: Request, q: Annotated[str, Query(max_length=500)] = "", offset: Offset = 0) -> Response:
    ctx = ctx_of(request)
    items = ctx.kb.people(limit=PAGE + 1, offset=offset, q=q or None)
    total = None if q else ctx.kb.count("people")
    return ctx.render(request, "people.html", q=q, items=items[:PAGE], pg=pager(offset, PAGE, len(items), total))


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def person(request: Request, person_id: PersonId) -> Response:
    ctx = ctx_of(request)
    view = await ctx.compute(lambda: ctx.kb.person(person_id))
    charts = {"years": years_chart(view.get("papers_by_year") or {}), "topics": topics_chart(view.get("topics") or [])}
    return ctx.render(request, "person.html", view=view, p=view.get("person") or {}, charts=charts)


@router.get("/papers", response_class=HTMLResponse)
def papers(request: Request, q: Annotated[str, Query(max_length=500)] = "", offset: Offset = 0) -> Response:
    ctx = ctx_of(request)
    items = ctx.kb.papers(limit=PAGE + 1, offset=offset, q=q or None)
    total = None if q else ctx.kb.count("papers")
    return ctx.render(request, "papers.html", q=q, items=items[:PAGE], pg=pager(offset, PAGE, len(items), total))


@router.get("/papers/{paper_id}", response_class=HTMLResponse)
def paper(request: Request, paper_id: PaperId) -> Response:
    ctx = ctx_of(request)
    item = ctx.kb.paper(paper_id)
    people_by_name = {}
    for name in item["authors"]:
        found = ctx.kb.find_people(name)
        if len(found) == 1:
            people_by_name[name] = found[0]["id"]
    return ctx.render(request, "paper.html", paper=item, people_by_name=people_by_name)


@router.get("/profiles", response_class=HTMLResponse)
def profiles(request: Request, q: Annotated[str, Query(max_length=500)] = "", offset: Offset = 0) -> Response:
    ctx = ctx_of(request)
    items = ctx.kb.profiles(q=q or None)
    total = len(items)
    window = items[offset : offset + PAGE + 1]
    return ctx.render(request, "profiles.html", q=q, items=window[:PAGE], pg=pager(offset, PAGE, len(window), total))


@router.get("/profiles/{ref}", response_class=HTMLResponse)
def profile(request: Request, ref: str) -> Response:
    ctx = ctx_of(request)
    return ctx.render(request, "profile.html", prof=ctx.kb.profile(ref))


# -- writes: ingest with progress ----------------------------------------------------------
@router.get("/ingest", response_class=HTMLResponse)
def ingest_form(request: Request) -> Response:
    ctx = ctx_of(request)
    ingests = [j for j in ctx.jobs.recent() if isinstance(j, Job)][:10]
    return ctx.render(request, "ingest.html", formats=formats.FORMATS, jobs=ingests, max_mb=ctx.max_body // (1024 * 1024))


@router.post("/ingest")
def ingest(
    request: Request,
    files: Annotated[list[UploadFile] | None, File()] = None,
    format: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    csrf(request.headers)
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    uploads = [(f.filename or "upload.txt", f.file.read()) for f in files or [] if isinstance(f, StarletteUploadFile) and f.filename]
    if not uploads:
        raise InputError("choose at least one file to ingest")
    job = ctx.jobs.submit(uploads, check_format(format))
    if request.headers.get("hx-request"):
        return ctx.render(request, "job.html", job=job, status_code=202)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job(request: Request, job_id: str) -> Response:
    ctx = ctx_of(request)
    item = ctx.jobs.get(job_id)
    if request.headers.get("hx-request") and request.query_params.get("fragment"):
        return ctx.render(request, "_job.html", job=item)
    return ctx.render(request, "job.html", job=item)


# -- conference: reviewer assignment (a job: the server's writes permission) ----------------
ASSIGN_DEFAULTS = {"reviewers": "kb", "reviewer_list": "", "years": None, "per_paper": 3, "min_load": 0, "max_load": 6,
                   "objective": "sum", "alternates": 2}
ASSIGN_PAGE = 50
FILE_LABELS = {
    "assignments.csv": "plain CSV: one row per assigned pair, with score, bid and evidence",
    "assignments.json": "everything: summary, per-paper reviewers and alternates, loads, hard conflicts",
    "conflicts.csv": "every conflict found (hard and weak) with its evidence",
    "openreview/assignments.json": "openreview-matcher output: {paper: [{aggregate_score, user}]}",
    "openreview/alternates.json": "openreview-matcher alternates",
    "openreview/assignment_edges.jsonl": "OpenReview Assignment edges (head, tail, weight, label)",
    "openreview/affinity_scores.csv": "affinity CSV paper_id,reviewer_id,score (OpenReview edge upload, matcher --scores)",
    "openreview/constraints.csv": "hard conflicts as paper_id,reviewer_id,-1 (matcher --constraints)",
    "openreview/conflict_edges.jsonl": "OpenReview Conflict edges",
    "openreview/max_papers.csv": "reviewer_id,max (matcher --max_papers)",
    "cmt/assignments.xml": "Microsoft CMT: Import Assignments (Reviewer)",
    "cmt/quotas.txt": "Microsoft CMT: Import Reviewer Quotas",
}
MEDIA = {".csv": "text/csv", ".json": "application/json", ".jsonl": "application/x-ndjson", ".xml": "application/xml", ".txt": "text/plain"}


def _assign_page(request: Request, form: dict[str, Any], error: str | None = None, status_code: int = 200) -> Response:
    ctx = ctx_of(request)
    authorised = ctx.guard.authorised(request.headers, dict(request.cookies))
    recent = [j for j in ctx.jobs.recent() if isinstance(j, AssignJob)][:10] if authorised else []
    return ctx.render(
        request, "assign.html", form=form, error=error, jobs=recent, people=ctx.kb.count("people"),
        max_mb=ctx.max_body // (1024 * 1024), max_records=ctx.limits.max_records, status_code=status_code,
    )


@router.get("/assign", response_class=HTMLResponse)
def assign_page(request: Request) -> Response:
    return _assign_page(request, ASSIGN_DEFAULTS)


@router.post("/assign")
def assign(request: Request, form: Annotated[AssignForm, Depends(assign_form)]) -> Response:
    csrf(request.headers)
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    job = ctx.jobs.new_assignment()
    try:
        order = assign_order(ctx.kb, form, job.folder, ctx.limits.max_records)
    except InputError as exc:
        ctx.jobs.discard(job)
        return _assign_page(request, form.echo(), str(exc), 422 if isinstance(exc, ParseError) else 400)
    except BaseException:
        ctx.jobs.discard(job)
        raise
    ctx.jobs.submit_assign(job, order)
    return RedirectResponse(f"/assign/{job.id}", status_code=303)  # the job's page polls its progress


def _assignment_view(request: Request, job: AssignJob, offset: int) -> Response:
    ctx = ctx_of(request)
    result = job.result or {}
    papers = result.get("papers") or []
    loads = sorted(result.get("loads") or [], key=lambda r: (-r["load"], str(r.get("name") or r["reviewer_id"])))
    window = papers[offset : offset + ASSIGN_PAGE + 1]
    return ctx.render(
        request, "assign_job.html", job=job, papers=window[:ASSIGN_PAGE], loads=loads,
        pg=pager(offset, ASSIGN_PAGE, len(window), len(papers)), chart=loads_chart(loads) if loads else None,
        file_labels=FILE_LABELS,
    )


@router.get("/assign/{job_id}", response_class=HTMLResponse)
def assignment(request: Request, job_id: str, offset: Offset = 0) -> Response:
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))  # the results show the submissions: same permission as a run
    return _assignment_view(request, ctx.jobs.get_assignment(job_id), offset)


@router.get("/assign/{job_id}/files/{name:path}")
def assignment_file(request: Request, job_id: str, name: str) -> Response:
    """One export of a finished assignment (only the files the job wrote: never a path from the request)."""
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    job = ctx.jobs.get_assignment(job_id)
    if job.result is None or name not in job.result["files"]:
        raise NotFoundError(f"assignment {job_id} has no file {name!r}")
    suffix = FsPath(name).suffix
    return FileResponse(job.out / name, media_type=MEDIA.get(suffix, "application/octet-stream"), filename=name.replace("/", "-"))


# -- token login (only when the server has a token) ----------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/ingest") -> Response:
    return ctx_of(request).render(request, "login.html", next=_local(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: Annotated[str, Form(max_length=1000)] = "", next: Annotated[str, Form()] = "/ingest") -> Response:
    csrf(request.headers)
    ctx = ctx_of(request)
    if not ctx.guard.needs_token:
        return RedirectResponse(_local(next), status_code=303)
    if not ctx.guard.token_ok(token):
        return ctx.render(request, "login.html", next=_local(next), error="That token is not this server's.", status_code=401)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(COOKIE, ctx.guard.session_value(), httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    csrf(request.headers)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _local(url: str) -> str:
    """Only same-site paths as redirect targets (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


# -- API index (FastAPI's Swagger page would load from a CDN) ------------------------------
@router.get("/api", response_class=HTMLResponse)
def api_index(request: Request) -> Response:
    schema = request.app.openapi()
    routes = []
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            params = [p["name"] for p in op.get("parameters", [])]
            routes.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""), "params": params})
    return ctx_of(request).render(request, "api.html", routes=routes, version=schema.get("info", {}).get("version"))


__all__ = ["router"]

