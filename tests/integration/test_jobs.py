"""The outbox on a real database: one pending job per key, one worker per job, retries, giving up, dead workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import create_engine, session_factory
from backend.models import Job, JobState, utcnow
from backend.services.jobs import Attempt, RetryLater, RetryPolicy, enqueue, run_due_job
from backend.settings import Settings

pytestmark = pytest.mark.anyio
POLICY = RetryPolicy(first_wait_seconds=30, max_attempts=3)


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield session_factory(engine)
    await engine.dispose()


async def _add(sessions: async_sessionmaker[AsyncSession], key: str = "k", kind: str = "work") -> Job | None:
    async with sessions() as db:
        job = await enqueue(db, kind=kind, key=key, payload={"n": 1})  # type: ignore[arg-type]
        await db.commit()
        return job


async def _jobs(sessions: async_sessionmaker[AsyncSession]) -> list[Job]:
    from sqlmodel import select

    async with sessions() as db:
        return list((await db.exec(select(Job))).all())  # type: ignore[attr-defined]


async def test_a_second_job_with_the_same_key_is_not_added_while_one_waits(sessions: Any) -> None:
    assert await _add(sessions, "meeting-1") is not None
    assert await _add(sessions, "meeting-1") is None
    assert await _add(sessions, "meeting-2") is not None
    assert len(await _jobs(sessions)) == 2


async def test_a_done_job_leaves_nothing_and_gets_its_payload(sessions: Any) -> None:
    seen: list[tuple[dict[str, Any], Attempt]] = []

    async def work(payload: dict[str, Any], attempt: Attempt) -> None:
        seen.append((payload, attempt))

    await _add(sessions)
    assert await run_due_job(sessions, {"work": work}, POLICY)
    assert seen == [({"n": 1}, Attempt(number=1, last=False))]
    assert await _jobs(sessions) == []
    assert not await run_due_job(sessions, {"work": work}, POLICY)


async def test_a_failing_job_is_retried_after_a_wait_and_then_given_up(sessions: Any) -> None:
    attempts: list[Attempt] = []

    async def flaky(payload: dict[str, Any], attempt: Attempt) -> None:
        attempts.append(attempt)
        raise RetryLater("the mail server is down")

    await _add(sessions, kind="flaky")
    assert await run_due_job(sessions, {"flaky": flaky}, POLICY)
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts, job.last_error) == (JobState.PENDING, 1, "the mail server is down")
    assert job.run_after > utcnow()
    assert not await run_due_job(sessions, {"flaky": flaky}, POLICY)  # not due yet
    for _ in range(2):
        assert await run_due_job(sessions, {"flaky": flaky}, POLICY, now=utcnow() + timedelta(hours=1))
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert [a.last for a in attempts] == [False, False, True]
    assert not await run_due_job(sessions, {"flaky": flaky}, POLICY, now=utcnow() + timedelta(days=1))


async def test_a_job_told_to_retry_later_waits_at_least_as_long_as_it_was_asked(sessions: Any) -> None:
    async def throttled(payload: dict[str, Any], attempt: Attempt) -> None:
        raise RetryLater("Zoom is handling too many requests right now.", after_seconds=3 * 3600)

    await _add(sessions, kind="throttled")
    assert await run_due_job(sessions, {"throttled": throttled}, POLICY)

    [job] = await _jobs(sessions)
    assert job.state == JobState.PENDING
    assert job.run_after > utcnow() + timedelta(hours=2, minutes=59)  # not the policy's 30 seconds


async def test_two_workers_never_run_the_same_job(sessions: Any) -> None:
    runs: list[int] = []

    async def slow(payload: dict[str, Any], attempt: Attempt) -> None:
        runs.append(1)
        await asyncio.sleep(0.3)

    await _add(sessions, kind="slow")
    results = await asyncio.gather(*(run_due_job(sessions, {"slow": slow}, POLICY) for _ in range(3)))
    assert runs == [1]
    assert sorted(results) == [False, False, True]


async def test_jobs_with_the_same_key_wait_for_each_other(sessions: Any) -> None:
    running = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def holder(payload: dict[str, Any], attempt: Attempt) -> None:
        order.append("first")
        running.set()
        await release.wait()

    await _add(sessions, "same", kind="holder")
    first = asyncio.create_task(run_due_job(sessions, {"holder": holder}, POLICY))
    await running.wait()
    await _add(sessions, "same", kind="holder")  # added while the first runs: it waits for the first to finish
    assert not await run_due_job(sessions, {"holder": holder}, POLICY)
    release.set()
    assert await first
    assert await run_due_job(sessions, {"holder": holder}, POLICY)
    assert order == ["first", "first"]


async def test_a_job_whose_worker_died_is_taken_again_after_its_lease(sessions: Any) -> None:
    from sqlalchemy import update

    await _add(sessions)
    async with sessions() as db:  # a worker claimed it and died
        await db.exec(
            update(Job).values(state=JobState.RUNNING, attempts=1, locked_until=utcnow() - timedelta(seconds=1))
        )  # type: ignore[call-overload]
        await db.commit()
    seen: list[Attempt] = []

    async def work(payload: dict[str, Any], attempt: Attempt) -> None:
        seen.append(attempt)

    assert await run_due_job(sessions, {"work": work}, POLICY)
    assert seen == [Attempt(number=2, last=False)]


async def test_a_change_while_a_job_waits_for_its_retry_runs_it_now_with_fresh_attempts(sessions: Any) -> None:
    async def flaky(payload: dict[str, Any], attempt: Attempt) -> None:
        raise RetryLater("down")

    await _add(sessions, kind="flaky")
    assert await run_due_job(sessions, {"flaky": flaky}, POLICY)
    [waiting] = await _jobs(sessions)
    assert waiting.run_after > utcnow()

    assert await _add(sessions, kind="flaky") is None

    [merged] = await _jobs(sessions)
    assert merged.attempts == 0 and merged.run_after <= utcnow()


async def test_an_unknown_kind_fails_at_once_but_a_failing_job_is_retried(sessions: Any) -> None:
    async def broken(payload: dict[str, Any], attempt: Attempt) -> None:
        raise KeyError("a bug in the job")

    await _add(sessions, "a", kind="nobody-knows")
    await _add(sessions, "b", kind="broken")
    assert await run_due_job(sessions, {"broken": broken}, POLICY)
    assert await run_due_job(sessions, {"broken": broken}, POLICY)
    states = {job.key: job.state for job in await _jobs(sessions)}
    assert states == {"a": JobState.FAILED, "b": JobState.PENDING}


async def test_the_database_refuses_two_running_jobs_with_one_key(sessions: Any) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    await _add(sessions, "same", kind="x")
    async with sessions() as db:
        db.add(Job(kind="x", key="same", payload={}))
        await db.commit()
        with pytest.raises(IntegrityError):
            await db.exec(update(Job).where(Job.key == "same").values(state=JobState.RUNNING))  # type: ignore[call-overload]
            await db.commit()


async def test_a_job_whose_worker_died_on_its_last_attempt_is_given_up(sessions: Any) -> None:
    from sqlalchemy import update

    await _add(sessions)
    async with sessions() as db:
        died = {"state": JobState.RUNNING, "attempts": 3, "locked_until": utcnow() - timedelta(seconds=1)}
        await db.exec(update(Job).values(**died))  # type: ignore[call-overload]
        await db.commit()

    async def work(payload: dict[str, Any], attempt: Attempt) -> None:
        raise AssertionError("must not run again")

    assert not await run_due_job(sessions, {"work": work}, POLICY)
    [job] = await _jobs(sessions)
    assert job.state == JobState.FAILED


async def test_a_job_stopped_by_a_shutdown_is_put_back_unharmed(sessions: Any) -> None:
    started = asyncio.Event()

    async def long(payload: dict[str, Any], attempt: Attempt) -> None:
        started.set()
        await asyncio.sleep(30)

    await _add(sessions, kind="long")
    running = asyncio.create_task(run_due_job(sessions, {"long": long}, POLICY))
    await started.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    [job] = await _jobs(sessions)
    assert (job.state, job.attempts) == (JobState.PENDING, 0)
    assert job.run_after <= utcnow()
