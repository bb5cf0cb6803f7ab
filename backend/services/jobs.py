"""The outbox: work that must happen after a request, written as a job row with the change that causes it.

A job is a plain async function that takes ids (its payload) and is safe to run again: a crash, a retry or a second
worker never does the work twice. The worker in ``meetings serve`` claims due jobs one at a time. A claim is a
conditional UPDATE (two workers never take the same job), and a unique index on the key of running jobs makes a
second worker's claim of a job with the same key fail (jobs with one key never run at the same time, on any number
of processes). A failing job is retried with a doubling wait, then given up; the job itself tells people (Activity).
A job whose worker died is taken again when its lease ends; a job stopped by a shutdown is put back at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.metrics import JOB_RUNS
from backend.models import Job, JobState, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=30)
"""A running job whose worker has not finished it by then (it died) is taken again. Longer than any job runs."""


class RetryLater(Exception):
    """The job could not finish now (a server was down): run it again after the retry wait, or after
    ``after_seconds`` when that is longer (a provider's Retry-After: trying sooner would only use up attempts)."""

    def __init__(self, message: str, *, after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds


class UnknownJob(Exception):
    """No function of that kind: the job cannot ever run (it is failed at once)."""


@dataclass(frozen=True)
class Attempt:
    """Which attempt of the job this is, so that it can tell people when it gives up."""

    number: int
    last: bool


JobFunction = Callable[[dict[str, Any], Attempt], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    first_wait_seconds: float = 30.0
    max_attempts: int = 6

    def wait(self, attempts_made: int) -> timedelta:
        return timedelta(seconds=self.first_wait_seconds * 2 ** (attempts_made - 1))


async def enqueue(
    db: AsyncSession,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    tenant_id: int | None = None,
    replace_payload: bool = False,
) -> Job | None:
    """Add a job to the caller's transaction; None when a job with the same key is already waiting to run (that one
    then runs as soon as it can, with fresh attempts: it will see this change too, or with ``replace_payload`` it
    takes this payload instead of its own)."""
    waiting = (await db.exec(select(Job).where(Job.key == key, Job.state == JobState.PENDING))).first()
    if waiting is not None:
        waiting.attempts, waiting.run_after, waiting.updated_at = 0, utcnow(), utcnow()
        if replace_payload:
            waiting.payload = payload
        db.add(waiting)
        return None
    job = Job(kind=kind, key=key, payload=payload, tenant_id=tenant_id)
    db.add(job)
    return job


async def run_due_job(
    sessions: async_sessionmaker[AsyncSession],
    functions: Mapping[str, JobFunction],
    policy: RetryPolicy,
    now: datetime | None = None,
) -> bool:
    """Claim and run one due job; False when none is due."""
    now = now or utcnow()
    job = await _claim(sessions, now, policy)
    if job is None:
        return False
    assert job.id is not None
    claim = job.attempts
    attempt = Attempt(number=job.attempts, last=job.attempts >= policy.max_attempts)
    function = functions.get(job.kind)
    try:
        if function is None:
            raise UnknownJob(f"no job function called {job.kind!r}")
        await function(dict(job.payload), attempt)
    except asyncio.CancelledError:  # the server is stopping: put the job back for the next start, unharmed
        await asyncio.shield(_finish(sessions, job.id, claim, JobState.PENDING, attempts=claim - 1, run_after=now))
        raise
    except Exception as error:  # every failure is recorded on the job; the worker goes on
        message = str(error) or type(error).__name__
        if not isinstance(error, RetryLater):
            log.exception("job %s (%s) failed", job.id, job.kind)
        retry = not attempt.last and not isinstance(error, UnknownJob)
        JOB_RUNS.labels(job.kind, "retry" if retry else "failed").inc()
        await _finish(
            sessions,
            job.id,
            claim,
            JobState.PENDING if retry else JobState.FAILED,
            error=message,
            run_after=utcnow() + _retry_wait(policy, job.attempts, error) if retry else None,
        )
        return True
    JOB_RUNS.labels(job.kind, "done").inc()
    await _finish(sessions, job.id, claim, JobState.DONE)
    return True


def _retry_wait(policy: RetryPolicy, attempts_made: int, error: Exception) -> timedelta:
    asked = error.after_seconds if isinstance(error, RetryLater) else None
    wait = policy.wait(attempts_made)
    return max(wait, timedelta(seconds=asked)) if asked is not None else wait


async def run_worker(
    sessions: async_sessionmaker[AsyncSession],
    functions: Mapping[str, JobFunction],
    policy: RetryPolicy,
    *,
    poll_seconds: float,
) -> None:
    """Run due jobs until cancelled (the app's lifespan runs this in the background)."""
    while True:
        try:
            while await run_due_job(sessions, functions, policy):
                pass
        except Exception:  # the database was away for a moment: keep the worker alive
            log.exception("the job worker could not read its jobs")
        await asyncio.sleep(poll_seconds)


async def _claim(sessions: async_sessionmaker[AsyncSession], now: datetime, policy: RetryPolicy) -> Job | None:
    async with sessions() as db:
        busy_keys = select(Job.key).where(Job.state == JobState.RUNNING, col(Job.locked_until) > now)
        due = (
            select(Job)
            .where(
                or_(
                    and_(Job.state == JobState.PENDING, col(Job.run_after) <= now),
                    and_(Job.state == JobState.RUNNING, col(Job.locked_until) <= now),
                ),
                col(Job.key).not_in(busy_keys),
            )
            .order_by(col(Job.run_after), col(Job.id))
            .limit(5)
        )
        for candidate in (await db.exec(due)).all():
            if candidate.state == JobState.RUNNING and candidate.attempts >= policy.max_attempts:
                # Its worker died on the last attempt (perhaps the job itself brings the process down): give up.
                candidate.state, candidate.locked_until = JobState.FAILED, None
                candidate.last_error = candidate.last_error or "the worker stopped while running it"
                db.add(candidate)
                await db.commit()
                continue
            # Only one worker's UPDATE finds the row as it read it: that worker owns the job. The unique index on
            # the keys of running jobs refuses the claim when another job with this key is running.
            try:
                claimed = await db.exec(  # type: ignore[call-overload]
                    update(Job)
                    .where(
                        Job.id == candidate.id,  # type: ignore[arg-type]
                        Job.state == candidate.state,  # type: ignore[arg-type]
                        Job.attempts == candidate.attempts,  # type: ignore[arg-type]
                    )
                    .values(
                        state=JobState.RUNNING,
                        attempts=candidate.attempts + 1,
                        locked_until=now + LEASE,
                        updated_at=utcnow(),
                    )
                )
                await db.commit()
            except IntegrityError:
                await db.rollback()
                continue
            if claimed.rowcount == 1:
                return await db.get(Job, candidate.id, populate_existing=True)
        return None


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    job_id: int,
    claim: int,
    state: JobState,
    *,
    error: str = "",
    run_after: datetime | None = None,
    attempts: int | None = None,
) -> None:
    """Record how a run ended, unless the job is no longer ours (its lease ended and another worker took it)."""
    async with sessions() as db:
        job = await db.get(Job, job_id)
        if job is None or job.state != JobState.RUNNING or job.attempts != claim:
            return
        if state == JobState.DONE:  # done work leaves nothing behind; failed jobs stay for inspection
            await db.delete(job)
            await db.commit()
            return
        job.state, job.last_error, job.locked_until, job.updated_at = state, error[:2000], None, utcnow()
        if run_after is not None:
            job.run_after = run_after
        if attempts is not None:
            job.attempts = attempts
        db.add(job)
        await db.commit()
