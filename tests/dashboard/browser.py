"""Chromium for the end-to-end test: installed with apt-get when missing, or a clear failure."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from fraud_dashboard.headless import find_chromium


def ensure_chromium() -> str:
    if shutil.which("chromium"):
        return find_chromium()
    if os.geteuid() != 0:
        pytest.fail("Chromium is missing and this user cannot install it: run `sudo apt-get install -y chromium`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    if not shutil.which("chromium"):
        pytest.fail("apt-get installed chromium but no `chromium` is on PATH")
    return find_chromium()
