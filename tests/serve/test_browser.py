"""``crosscam serve`` in a real browser: Debian's Chromium driven by Playwright, the server in a subprocess.

Each page is screenshotted; ``CROSSCAM_UPDATE_SCREENSHOTS=1`` saves them as docs/images/serve-*.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import pytest

from .conftest import build_run, person_photo

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DOCS_IMAGES = Path(__file__).parents[2] / "docs" / "images"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"{CHROMIUM} missing (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``crosscam serve`` in a subprocess, waited for until it answers."""

    def __init__(self, folder: Path, port: int, *extra: str):
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "crosscam.cli", "serve", "--index", str(folder), "--port", str(port), *extra]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stdout.read()}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # it answers (401 with a token)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("serve") / "run")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def screenshot(page, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"serve-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    if os.environ.get("CROSSCAM_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / path.name)


def test_overview_identity_clip_and_search(folder, page, tmp_path):
    server = Server(folder, free_port())
    try:
        page.goto(server.url + "/")
        assert page.locator("#identity-count").inner_text() == "4"
        assert page.locator("#row-0 .lane").count() == 1
        screenshot(page, "overview", tmp_path)

        page.goto(server.url + "/identities")
        page.select_option("select[name=camera]", "lab_a")  # htmx swaps the gallery in place
        page.wait_for_function("document.querySelectorAll('.card').length === 2")
        assert "camera=lab_a" in page.url
        page.select_option("select[name=camera]", "")
        page.wait_for_function("document.querySelectorAll('.card').length === 4")
        screenshot(page, "gallery", tmp_path)

        page.click("#card-0")
        page.wait_for_url("**/identities/0")
        video = page.locator("video.clip").first
        video.evaluate("v => { v.muted = true; return v.play(); }")
        page.wait_for_function(
            "() => { const v = document.querySelector('video.clip'); return v.readyState >= 3 && v.currentTime > 0.2 }",
            timeout=30_000,
        )
        assert video.evaluate("v => v.error") is None
        video.evaluate("v => v.pause()")
        screenshot(page, "identity", tmp_path)

        photo = tmp_path / "witness.png"
        cv2.imwrite(str(photo), person_photo("C"))
        page.goto(server.url + "/search")
        page.set_input_files("#photo", str(photo))
        page.click("#search-button")
        page.wait_for_selector("#identity-hits li")
        assert page.locator("#identity-hits li").first.get_attribute("data-person") == "3"
        screenshot(page, "search", tmp_path)
    finally:
        server.stop()


def test_a_merge_persists_across_a_restart(folder, page, tmp_path):
    port = free_port()
    server = Server(folder, port)
    try:
        page.goto(server.url + "/identities/0")
        page.fill("#merge-other", "2")
        page.fill("#user-name", "ana")  # the header's name field goes with every correction
        page.click("#merge-button")
        page.wait_for_url("**/identities/0")
        assert page.locator("table.appearances tbody tr").count() == 2
    finally:
        server.stop()
    server = Server(folder, port)
    try:
        page.goto(server.url + "/identities")
        cards = page.locator(".card").evaluate_all("cards => cards.map(c => c.id)")
        assert cards == ["card-0", "card-1", "card-3"]
        page.goto(server.url + "/corrections")
        assert "ana" in page.locator("#audit-log").inner_text()
        screenshot(page, "corrections", tmp_path)
    finally:
        server.stop()


def test_the_token_is_required(folder, page):
    server = Server(folder, free_port(), "--token", "s3cret")
    try:
        response = page.goto(server.url + "/")
        assert response.status == 401 and "access token" in page.content()
        page.goto(server.url + "/?token=s3cret")
        assert page.url == server.url + "/"  # the token left the address bar for a cookie
        assert page.locator("#identity-count").inner_text().isdigit()
        assert page.goto(server.url + "/identities/1").status == 200
    finally:
        server.stop()
