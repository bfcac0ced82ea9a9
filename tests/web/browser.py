"""Driving the live lab page in a real browser: open it, wait on what it shows, and make
things happen in the lab through GraphQL. Waits poll a condition up to a deadline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import JavascriptException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.definitions import SINGLE
from tests.support.server import GraphQLClient

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDE = (1280, 1000)
DEADLINE_S = 15.0
JOB_DEADLINE_S = 120.0  # a demo job waits for a device, then runs for a few seconds
SUBMIT = "mutation ($d: String!) { submitJob(definition: $d) { id } }"


def headless_chromium() -> webdriver.Chrome:
    """Debian's Chromium, headless, driven through its chromedriver, in a 1280 px window
    (no sandbox: CI runs as root)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WIDE[0]},{WIDE[1]}")
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def submit_job(
    client: GraphQLClient, token: str, visibility: str = "public", device_type: str = "qemu"
) -> int:
    """Submit a small job through GraphQL; returns its id."""
    definition = SINGLE.format(device_type=device_type, visibility=visibility)
    return client.execute(SUBMIT, {"d": definition}, token)["submitJob"][0]["id"]


class LivePage:
    """The page at ``/`` in a browser."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, fragment: str = "") -> None:
        """Load the page and wait until its snapshot is shown and it is live."""
        self.driver.get(f"{self.base_url}/{fragment}")
        self.wait(lambda: self.script("return window.__lab && window.__lab.ready"), "the page")
        self.wait(lambda: self.connection() == "live", "the live connection")

    def script(self, source: str, *args: Any) -> Any:
        """Run JavaScript in the page; its return value."""
        return self.driver.execute_script(source, *args)

    def wait(self, condition: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
        """Poll ``condition`` until truthy (page changes under it are retried)."""

        def check(_driver: WebDriver) -> Any:
            try:
                return condition()
            except (StaleElementReferenceException, JavascriptException):
                return False

        return WebDriverWait(self.driver, deadline_s, poll_frequency=0.05).until(
            check, f"timed out waiting for {what}"
        )

    def connection(self) -> str:
        """The connection status the page shows (live, reconnecting, offline...)."""
        return self.script("return document.getElementById('connection').dataset.status")

    def job_state(self, job_id: int) -> str | None:
        """The state in the job's row of the jobs table, or None when it has no row."""
        return self.script(
            "const row = document.querySelector(`#jobs tr[data-job-id='${arguments[0]}']`);"
            " return row ? row.dataset.state : null",
            job_id,
        )

    def wait_for_job_state(self, job_id: int, state: str, deadline_s: float = DEADLINE_S) -> None:
        """Wait until the job's row shows ``state``."""
        self.wait(lambda: self.job_state(job_id) == state, f"job {job_id} {state}", deadline_s)

    def seen(self) -> list[str]:
        """The message ids of every event the page received, in order."""
        return self.script("return window.__lab.seen()")

    def shown_feed(self) -> list[dict[str, str]]:
        """The feed's entries as shown: their data attributes."""
        return self.script(
            "return [...document.querySelectorAll('#feed li')].map((li) => ({...li.dataset}))"
        )

    def text(self, css: str) -> str:
        """The text of the first element ``css`` selects."""
        return self.script("return document.querySelector(arguments[0])?.textContent ?? ''", css)

    def overflows(self) -> bool:
        """Whether the page is wider than the window (scrolls horizontally)."""
        return self.script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )

    def screenshot(self, folder: Path, name: str) -> Path:
        """Save a screenshot in ``folder``; prints and returns its path."""
        path = folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        print(f"screenshot: {path}")
        return path
