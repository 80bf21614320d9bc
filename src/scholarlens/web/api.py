"""JSON routes under ``/api``: one core call each, mirroring the Python API.

Errors are ``application/problem+json`` (RFC 9457) with the status codes of
:data:`scholarlens.web.problems.ERROR_STATUS`; lists are paged with ``limit``/``offset`` and
answer ``{"items", "limit", "offset", "next_offset", "total"}``. Queries that compute (experts,
reviewers, whois, person, similar) run through :meth:`WebContext.compute`: concurrently, within
the per-request limits.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .. import formats
from ..errors import InputError
from .context import ctx_of
from .forms import (
    AssignForm,
    Limit,
    Offset,
    PaperId,
    PersonId,
    SearchQ,
    assign_form,
    assign_order,
    check_format,
    conflict_rows,
    csrf,
    page,
    paper_text,
    parse_upload,
)
from .jobs import Job

router = APIRouter(prefix="/api")


# -- knowledge base ------------------------------------------------------------------------
@router.get("/health", summary="Liveness: the server answers and the store opens")
def health(request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    return {"ok": True, "profiles": ctx.kb.count("profiles"), "writes": ctx.guard.writes_enabled}


@router.get("/summary", summary="Counts and profile owners (what `scholarlens summary` prints)")
def summary(request: Request) -> dict[str, Any]:
    return ctx_of(request).kb.summary()


@router.get("/formats", summary="Input formats the parsers recognise")
def list_formats() -> list[dict[str, str]]:
    return [{"name": f.name, "description": f.description} for f in formats.FORMATS]


@router.get("/profiles", summary="Ingested profiles with their owners")
def profiles(request: Request, limit: Limit = 50, offset: Offset = 0, q: SearchQ = None) -> dict[str, Any]:
    items = ctx_of(request).kb.profiles(q=q)
    return page(items[offset : offset + limit + 1], limit, offset, len(items))


@router.get("/profiles/{ref}", summary="One profile with its papers and the owner's co-authors")
def profile(request: Request, ref: str) -> dict[str, Any]:
    return ctx_of(request).kb.profile(ref)


@router.get("/profiles/{ref}/whois", summary="Who probably wrote a stored profile, with evidence")
async def profile_whois(request: Request, ref: str, limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict[str, Any]:
    ctx = ctx_of(request)

    def run() -> dict[str, Any]:
        return ctx.kb.whois(ctx.kb.resolve_profile_id(ref), limit=limit)

    return await ctx.compute(run)


@router.get("/papers", summary="Deduplicated papers, optionally filtered by a title/abstract substring")
def papers(request: Request, limit: Limit = 25, offset: Offset = 0, q: SearchQ = None) -> dict[str, Any]:
    kb = ctx_of(request).kb
    items = kb.papers(limit=limit + 1, offset=offset, q=q or None)
    return page(items, limit, offset, None if q else kb.count("papers"))


@router.get("/papers/{paper_id}", summary="One paper with its authors and sources")
def paper(request: Request, paper_id: PaperId) -> dict[str, Any]:
    return ctx_of(request).kb.paper(paper_id)


@router.get("/people", summary="People, most prolific first, optionally filtered by name or alias")
def people(request: Request, limit: Limit = 25, offset: Offset = 0, q: SearchQ = None) -> dict[str, Any]:
    kb = ctx_of(request).kb
    items = kb.people(limit=limit + 1, offset=offset, q=q or None)
    return page(items, limit, offset, None if q else kb.count("people"))


@router.get("/people/{person_id}", summary="A person: papers by year, topics over time, co-authors, similar people")
async def person(request: Request, person_id: PersonId) -> dict[str, Any]:
    ctx = ctx_of(request)
    return await ctx.compute(lambda: ctx.kb.person(person_id))


@router.get("/people/{person_id}/similar", summary="People whose work is closest to this person's")
async def similar(request: Request, person_id: PersonId, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    return await ctx.compute(lambda: ctx.kb.similar(person_id, limit=limit))


# -- expertise -----------------------------------------------------------------------------
@router.get("/experts", summary="Who knows about X: ranked people with the papers that justify it")
async def experts(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="Topic, question or text")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    ctx = ctx_of(request)
    found = await ctx.compute(lambda: ctx.kb.experts(q, limit=limit))
    return {"query": q, "experts": found, "match": ctx.kb.match(found)}


class PaperIn(BaseModel):
    title: str | None = Field(None, max_length=2000)
    abstract: str | None = Field(None, max_length=50_000)
    text: str | None = Field(None, max_length=100_000, description="Title and abstract in one text (instead of both)")
    authors: list[str] = Field(default_factory=list, max_length=200, description="The paper's authors (for conflicts)")
    limit: int = Field(10, ge=1, le=50)


@router.post("/reviewers", summary="Who should review this paper; conflicts of interest marked, and every conflicted person listed with evidence")
async def reviewers(request: Request, body: PaperIn) -> dict[str, Any]:
    ctx = ctx_of(request)
    text = paper_text(body.title, body.abstract, body.text)
    authors = [a.strip() for a in body.authors if a.strip()] or None
    found, coi = await ctx.compute(
        lambda: (ctx.kb.reviewers(text, authors=authors, limit=body.limit), ctx.kb.conflicts(authors) if authors else {})
    )
    return {"reviewers": found, "match": ctx.kb.match(found), "conflicts": conflict_rows(coi)}


# -- identity ------------------------------------------------------------------------------
class ProfileIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=10_000_000, description="The profile's text in any supported format")
    filename: str | None = Field(None, max_length=200)
    format: str | None = Field(None, description="Force a format (see /api/formats); detected when omitted")
    limit: int = Field(5, ge=1, le=50)


@router.post("/whois", summary="Who probably wrote this profile (pasted text), with evidence")
async def whois(request: Request, body: ProfileIn) -> dict[str, Any]:
    ctx = ctx_of(request)
    format = check_format(body.format)

    def run() -> dict[str, Any]:
        parsed = parse_upload(body.text.encode("utf-8"), body.filename, format, ctx.limits.max_records)
        return ctx.kb.whois(parsed, limit=body.limit)

    return await ctx.compute(run)


@router.post("/whois/upload", summary="Who probably wrote this profile (uploaded file), with evidence")
async def whois_upload(
    request: Request,
    file: Annotated[UploadFile, File(description="A profile file in any supported format")],
    format: Annotated[str | None, Form()] = None,
    limit: Annotated[int, Form(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    ctx = ctx_of(request)
    data, name, forced = await file.read(), file.filename, check_format(format)

    def run() -> dict[str, Any]:
        parsed = parse_upload(data, name, forced, ctx.limits.max_records)
        return ctx.kb.whois(parsed, limit=limit)

    return await ctx.compute(run)

# -- writes --------------------------------------------------------------------------------
@router.post("/ingest", status_code=202, summary="Ingest uploaded profile files in the background (a write)")
def ingest(
    request: Request,
    files: Annotated[list[UploadFile], File(description="One or more profile files")],
    format: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    uploads = [(f.filename or "upload.txt", f.file.read()) for f in files]
    if not uploads:
        raise InputError("no files uploaded")
    job = ctx.jobs.submit(uploads, check_format(format))
    location = f"/api/jobs/{job.id}"
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": location})


@router.delete("/profiles/{ref}", summary="Remove a profile and the papers only it provided (a write)")
def remove_profile(request: Request, ref: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    with ctx.serial:
        return ctx.kb.remove_profile(ref)


@router.post("/assign", status_code=202, summary="Assign reviewers to uploaded submissions in the background (a job: needs writes)")
def assign(request: Request, form: Annotated[AssignForm, Depends(assign_form)]) -> JSONResponse:
    """Multipart: ``submissions`` (files), ``reviewers`` = kb | list (``reviewer_list``) |
    archives (``archives`` files), optional ``loads``/``bids``/``conflicts`` CSVs, ``years``,
    ``per_paper``, ``min_load``, ``max_load``, ``objective`` (sum | fair), ``alternates``.
    Bad uploads fail here (422 naming the file and line); the run's progress and result are at
    the ``Location``."""
    csrf(request.headers)
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))
    job = ctx.jobs.new_assignment()
    try:
        order = assign_order(ctx.kb, form, job.folder, ctx.limits.max_records)
    except BaseException:
        ctx.jobs.discard(job)
        raise
    ctx.jobs.submit_assign(job, order)
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/api/assign/{job.id}"})


@router.get("/assign/{job_id}", summary="An assignment's progress; when done: summary, per-paper reviewers, loads, conflicts, files")
def assignment(request: Request, job_id: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    ctx.guard.check(request.headers, dict(request.cookies))  # the result shows the submissions
    return ctx.jobs.get_assignment(job_id).to_dict(full=True)


@router.get("/jobs", summary="Recent ingest jobs, newest first")
def jobs(request: Request) -> list[dict[str, Any]]:
    return [j.to_dict() for j in ctx_of(request).jobs.recent() if isinstance(j, Job)]


@router.get("/jobs/{job_id}", summary="An ingest job's progress and, when finished, its report")
def job(request: Request, job_id: str) -> dict[str, Any]:
    return ctx_of(request).jobs.get(job_id).to_dict()
