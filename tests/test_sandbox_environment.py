"""The environment a notebook sees: built from nothing, so the grader's own variables never leak,
and tuned so that sandboxes sharing cores do not starve each other."""

from __future__ import annotations

from pathlib import PurePosixPath

from grader.sandbox.common import sandbox_environment


def environment(monkeypatch, **kw):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "do-not-leak")
    return sandbox_environment(PurePosixPath("/sandbox"), threads=3, python_dir="/venv/bin", package_parent="/pkg",
                               backend="local", pathsep=":", **kw)


def test_nothing_from_the_host_environment_leaks(monkeypatch):
    env = environment(monkeypatch)
    assert "GRADER_SECRET_TOKEN" not in env
    assert env["HOME"] == "/sandbox/home" and env["TMPDIR"] == "/sandbox/tmp"
    assert env["CUDA_VISIBLE_DEVICES"] == ""


def test_thread_counts_follow_the_cpus_and_idle_openmp_threads_sleep(monkeypatch):
    env = environment(monkeypatch)
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "3"
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"


def test_gpus_are_visible_only_when_asked(monkeypatch):
    assert "CUDA_VISIBLE_DEVICES" not in environment(monkeypatch, hide_gpus=False)
