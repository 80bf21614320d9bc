"""Background jobs: ingests and reviewer assignments, run off-request on one worker thread.

The request that uploads files returns at once with a job id; one worker thread runs jobs
in order (writes are serialised; readers keep going thanks to WAL) and records the core's
``(stage, done, total)`` progress, which the browser polls. After the files, an ingest job
embeds the papers they brought (stage ``embedding``), so the next query finds every vector
cached instead of embedding them inside someone's request. An assignment job
(:class:`AssignJob`) runs ``KnowledgeBase.assign`` on the serving knowledge base (its engine
and model are the ones queries use) and writes the exports into the job's own folder.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..assign import Infeasible
from ..assign_io import Submission
from ..catalog import paper_text
from ..conflicts import Reviewer
from ..errors import NotFoundError, ScholarLensError
from ..kb import KnowledgeBase
from .problems import database_error_text
from .security import write_upload

log = logging.getLogger("scholarlens")


@dataclass
class Job:
    id: str
    files: list[str]
    format: str | None = None
    status: str = "queued"  # queued | running | done | failed
    stage: str | None = None
    done: int = 0
    total: int = 0
    files_done: int = 0
    current: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict[str, Any] | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        """Overall progress: whole files done plus the share of the current file's records
        (reading records counts for 80% of a file; linking authors and people after it, 20%)."""
        n = max(len(self.files), 1)
        if self.finished:
            return 100
        if self.stage == "embedding":
            return min(99, 90 + int(9 * self.done / self.total) if self.total else 90)
        part = 0.8 * self.done / self.total if self.stage == "records" and self.total else 0.0
        return min(90, int(90 * (self.files_done + part) / n))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["percent"] = self.percent
        d["finished"] = self.finished
        return d


@dataclass
class AssignOrder:
    """One assignment run, parsed from the request: submissions, reviewers (``None``: every
    stored person with papers), their archives folder, and ``KnowledgeBase.assign`` options."""

    submissions: list[Submission]
    reviewers: list[Reviewer] | None = None
    archives: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)


#: Progress stages of an assignment (a prefix of the core's stage name) → share of the bar.
ASSIGN_STAGES = (("conflicts", 0, 25), ("affinity", 25, 85), ("embedding", 25, 85), ("fair", 85, 95), ("sum", 95, 99))


@dataclass
class AssignJob:
    """A reviewer assignment running in the background; its exports live in ``folder/out``."""

    id: str
    folder: Path
    papers: int = 0
    reviewers: int | None = None
    objective: str = "sum"
    kind: str = "assign"
    status: str = "queued"  # queued | running | done | failed
    stage: str | None = None
    done: int = 0
    total: int = 0
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    """When no assignment is possible: what to change (from :class:`~scholarlens.assign.Infeasible`)."""
    result: dict[str, Any] | None = None
    """``Assignment.to_dict()``, files relative to ``folder/out``."""

    @property
    def out(self) -> Path:
        return self.folder / "out"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        for prefix, lo, hi in ASSIGN_STAGES:
            if self.stage and self.stage.startswith(prefix):
                share = self.done / self.total if self.total else 0.0
                return min(99, int(lo + (hi - lo) * share))
        return 0

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """Progress, the summary and download paths; ``full`` adds per-paper rows, loads and conflicts."""
        d: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "status": self.status, "stage": self.stage, "done": self.done,
            "total": self.total, "percent": self.percent, "finished": self.finished, "submissions": self.papers,
            "reviewers": self.reviewers, "objective": self.objective, "created_at": self.created_at,
            "finished_at": self.finished_at, "error": self.error, "reasons": self.reasons,
        }
        if self.result is not None:
            d["summary"] = self.result["summary"]
            d["notes"] = self.result["notes"]
            d["files"] = [{"name": f, "url": f"/assign/{self.id}/files/{f}"} for f in self.result["files"]]
            if full:
                d |= {k: self.result[k] for k in ("papers", "loads", "conflicts")}
        return d


class JobRunner:
    """Runs ingest and assignment jobs one at a time on a worker thread and remembers the last ``keep``."""

    def __init__(
        self,
        kb: KnowledgeBase,
        upload_dir: Path,
        keep: int = 100,
        lock: AbstractContextManager[Any] | None = None,
        reader: KnowledgeBase | None = None,
        assign_dir: Path | None = None,
    ) -> None:
        self.kb = kb
        self.reader = reader or kb
        self.upload_dir = upload_dir
        self.assign_dir = assign_dir or upload_dir.parent / "assignments"
        self.keep = keep
        self._write_lock = lock or nullcontext()
        self._jobs: OrderedDict[str, Job | AssignJob] = OrderedDict()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scholarlens-ingest")
        #: True while a request computes: the warm-up waits (one thread holding the GIL in
        #: a long build made every request of the first minute slow).
        self.foreground: Callable[[], bool] = lambda: False

    def submit(self, uploads: list[tuple[str, bytes]], format: str | None = None) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], files=[name for name, _ in uploads], format=format)
        self._register(job)
        self._pool.submit(self._run, job, uploads)
        return job

    def _register(self, job: Job | AssignJob) -> None:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                _, old = self._jobs.popitem(last=False)
                if isinstance(old, AssignJob):
                    shutil.rmtree(old.folder, ignore_errors=True)

    def new_assignment(self) -> AssignJob:
        """A job with its own folder (for the request's uploads), not queued yet: queue it with
        :meth:`submit_assign`, or :meth:`discard` it when the uploads do not parse."""
        job_id = uuid.uuid4().hex[:12]
        job = AssignJob(id=job_id, folder=self.assign_dir / job_id)
        job.folder.mkdir(parents=True, exist_ok=True)
        return job

    def discard(self, job: AssignJob) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)

    def submit_assign(self, job: AssignJob, order: AssignOrder) -> AssignJob:
        job.papers = len(order.submissions)
        job.reviewers = None if order.reviewers is None else len(order.reviewers)
        job.objective = str(order.options.get("objective", "sum"))
        self._register(job)
        self._pool.submit(self._run_assign, job, order)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if not isinstance(job, Job):
            raise NotFoundError(f"no ingest job {job_id!r}")
        return job

    def get_assignment(self, job_id: str) -> AssignJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if not isinstance(job, AssignJob):
            raise NotFoundError(f"no assignment {job_id!r} (results are kept while the server runs, for its last {self.keep} jobs)")
        return job

    def recent(self) -> list[Job | AssignJob]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def warm_up(self) -> None:
        """Load the model, embed the stored papers not cached yet, load the expertise index
        (one query) and build whois's overlap index, on the worker thread (before any queued
        ingest), so the first queries do not do it inside a request. It pauses while a
        request computes (:attr:`foreground`)."""
        self._pool.submit(self._warm)

    def _give_way(self) -> bool:
        """Wait while a request computes; True when the server is stopping."""
        while self.foreground() and not self._stopping.is_set():
            time.sleep(0.005)
        return self._stopping.is_set()

    def _warm(self) -> None:
        def progress(stage: str, done: int, total: int | None) -> None:
            if self._give_way():
                raise _Stopped

        try:
            n = embed_papers(self.kb, self.reader, progress)
            log.info("warm-up: %d paper texts embedded or found cached", n)
            if not self._give_way():  # the engine's snapshot and its per-method caches
                try:
                    with self._write_lock:  # a ``:memory:`` store's one connection
                        self.reader.experts("warm up", limit=1)
                except ScholarLensError as exc:
                    log.info("warm-up: no expertise query yet (%s)", exc)
            # whois's abstract-overlap index: built here, not inside the first whois request
            # (~1 min of CPU at 100k papers, over the request budget).
            self.reader.overlap.refresh(self.kb.store, stop=self._give_way)
        except _Stopped:
            pass
        except Exception as exc:  # noqa: BLE001 - a warm-up failure must not stop the server
            log.warning("warm-up failed (queries will embed what they need): %s", " ".join(str(exc).split()))
        finally:
            self._close_worker_connection()

    def shutdown(self) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _close_worker_connection(self, kb: KnowledgeBase | None = None) -> None:
        # A file database gives each thread its own connection: close the worker's.
        store = (kb or self.kb).store
        if getattr(store, "path", ":memory:") != ":memory:":
            store.close()

    def _run(self, job: Job, uploads: list[tuple[str, bytes]]) -> None:
        job.status = "running"
        try:
            with _failures(job, "ingest"):
                paths = [write_upload(self.upload_dir, name, data) for name, data in uploads]
                job.files = [p.name for p in paths]
                job.current = job.files[0] if job.files else None
                job.stage = "parsing"
                with self._write_lock:
                    report = self.kb.ingest(paths, format=job.format, progress=_progress_of(job))
                job.report = report.to_dict()
                totals = job.report["totals"]
                if totals.get("new_papers") or totals.get("merged_papers"):
                    job.current = None
                    with self._write_lock:
                        embed_papers(self.kb, self.reader, _progress_of(job))
                job.status = "done"
        finally:
            job.finished_at = time.time()
            job.current = None
            self._close_worker_connection()

    def _run_assign(self, job: AssignJob, order: AssignOrder) -> None:
        job.status = "running"
        try:
            # Messages name files by their place in the job's folder, never the server's path.
            with _failures(job, "assignment", clean=lambda m: m.replace(str(job.folder) + "/", "")):
                try:
                    with self._write_lock:
                        done = self.reader.assign(
                            order.submissions, order.reviewers, archives=order.archives, out=job.out, progress=_progress_of_assign(job),
                            **order.options,
                        )
                except Infeasible as exc:
                    job.error = "no assignment is possible with these inputs"
                    job.reasons = list(exc.reasons)
                    job.status = "failed"
                    return
                result = done.to_dict()
                result["files"] = [str(Path(f).resolve().relative_to(job.out.resolve())) for f in done.files]
                job.reviewers = result["summary"]["reviewers"]
                job.result = result
                job.status = "done"
        finally:
            job.finished_at = time.time()
            self._close_worker_connection(self.reader)  # the serving store's connection here


@contextmanager
def _failures(job: Job | AssignJob, kind: str, clean: Callable[[str], str] = str) -> Iterator[None]:
    """Any error of a job's work becomes its ``error`` (through ``clean``) and ``failed``
    status; a bug is logged and named, and the worker thread goes on."""
    try:
        yield
    except (ScholarLensError, OSError, ValueError) as exc:
        job.error, job.status = clean(str(exc)), "failed"
    except sqlite3.DatabaseError as exc:
        job.error, job.status = database_error_text(exc), "failed"
    except Exception as exc:  # pragma: no cover - a bug; keep the worker alive and say so
        log.exception("%s job %s crashed", kind, job.id)
        job.error, job.status = f"internal error: {type(exc).__name__}", "failed"


class _Stopped(Exception):
    """The server is shutting down: the warm-up stops between steps."""


def _progress_of(job: Job) -> Callable[[str, int, int | None], None]:
    """The core's progress callback, recorded on the job for the browser to poll."""

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "files":
            job.files_done = done
            job.current = job.files[done] if done < len(job.files) else None
            job.stage, job.done, job.total = "parsing", 0, 0
        else:
            job.stage, job.done, job.total = stage, done, total or 0

    return progress


def _progress_of_assign(job: AssignJob) -> Callable[[str, int, int | None], None]:
    def progress(stage: str, done: int, total: int | None) -> None:
        job.stage, job.done, job.total = stage, done, total or 0

    return progress


def embed_papers(writer: KnowledgeBase, reader: KnowledgeBase, progress: Callable[[str, int, int | None], None], step: int = 256) -> int:
    """Embed every stored paper whose vector is not cached yet: into the store's embedding
    cache (through ``writer``) and the serving knowledge base's memo (``reader``, whose model
    is the one loaded for queries). Returns how many paper texts were looked at."""
    rows = writer.store.query("SELECT title, abstract FROM papers WHERE title IS NOT NULL OR abstract IS NOT NULL ORDER BY id")
    texts = [t for t in (paper_text(r["title"], r["abstract"]) for r in rows) if t]
    encoder = reader.encoder
    progress("embedding", 0, len(texts))
    for start in range(0, len(texts), step):
        reader.vectors.embed(encoder, texts[start : start + step], writer.store)
        progress("embedding", min(start + step, len(texts)), len(texts))
    return len(texts)
