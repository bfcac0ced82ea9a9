"""The live lab page in a real headless Chromium, on ``serve --demo``: jobs appear and
finish live, details show results and downloads, the feed filters and pauses, private
jobs need their submitter's token, a network blip misses no event, and the page reflows
at phone width. Screenshots are saved in each test's tmp_path."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.support.live import graphql_socket, published, set_device_health, wait_for
from tests.web.browser import JOB_DEADLINE_S, WIDE, LivePage, submit_job

JOB = """query ($id: Int!) { job(id: $id) {
  resultCounts { passed failed skipped unknown total }
  csv: resultsUrl(format: CSV) yaml: resultsUrl(format: YAML)
  junit: resultsUrl(format: JUNIT) tap13: resultsUrl(format: TAP13)
} }"""
NOTIFY_JOB = """
job_name: live page notify
device_type: qemu
visibility: public
timeouts: {job: {minutes: 10}}
actions:
- boot: {method: qemu, media: tmpfs}
notify:
  criteria: {status: finished}
  recipients:
  - to: {method: email, email: live-page@example.org}
"""
NOTIFICATIONS = "query ($id: Int!) { job(id: $id) { notifications { status } } }"
HISTORY = """query ($h: String!, $first: Int!) { device(hostname: $h) {
  healthHistory(first: $first) { nodes { state health } }
} }"""
EVENTS = (
    "subscription ($after: String) { events(after: $after) {"
    " __typename cursor ... on LabEvent { messageId } } }"
)


@pytest.fixture
def page(browser, demo_lab) -> LivePage:
    """The page, freshly opened by an anonymous viewer at desktop width."""
    browser.set_window_size(*WIDE)
    browser.get(demo_lab.base_url + "/static/style.css")
    browser.execute_script("sessionStorage.clear(); localStorage.clear()")
    live = LivePage(browser, demo_lab.base_url)
    live.open()
    return live


def test_a_submitted_job_appears_then_finishes_and_shows_its_results(
    page, demo_lab, browser, tmp_path
):
    job_id = submit_job(demo_lab.client, demo_lab.tokens["alice"])
    page.wait(lambda: page.job_state(job_id), f"job {job_id} on the page")
    page.wait_for_job_state(job_id, "FINISHED", JOB_DEADLINE_S)
    row = browser.find_element(By.CSS_SELECTOR, f"#jobs tr[data-job-id='{job_id}']")
    assert "Finished" in row.text and "alice" in row.text
    page.screenshot(tmp_path, "job-finished")

    row.find_element(By.CSS_SELECTOR, "a.job-link").send_keys(Keys.ENTER)
    page.wait(lambda: page.text("#details h2").startswith(f"Job {job_id}:"), "the job's details")
    assert page.script("return document.activeElement.id") == "details-title"
    assert "Finished" in page.text("#details dl")
    expected = demo_lab.client.execute(JOB, {"id": job_id})["job"]
    counts = expected["resultCounts"]
    assert counts["total"] > 0
    assert page.text("#details .summary") == (
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped,"
        f" {counts['unknown']} unknown, {counts['total']} in all."
    )
    failed = page.script(
        "return [...document.querySelectorAll('#details table.results tbody tr')]"
        ".map((row) => Number(row.cells[2].textContent))"
    )
    assert failed == sorted(failed, reverse=True), "suites with failures come first"
    links = page.script(
        "return Object.fromEntries([...document.querySelectorAll('#details a[data-format]')]"
        ".map((a) => [a.dataset.format, a.getAttribute('href')]))"
    )
    assert links == {
        "CSV": expected["csv"],
        "YAML": expected["yaml"],
        "JUnit": expected["junit"],
        "TAP13": expected["tap13"],
    }
    csv = httpx.get(demo_lab.base_url + links["CSV"])
    assert csv.status_code == 200 and csv.text.count("\n") > counts["total"] - 1
    graphiql = browser.find_element(By.LINK_TEXT, "This query in GraphiQL").get_attribute("href")
    assert "/graphql?q=query%20JobDetails" in graphiql and "variables=" in graphiql
    page.screenshot(tmp_path, "job-details")


def test_the_feed_filters_by_kind_device_type_and_submitter_and_pauses(
    page, demo_lab, browser, tmp_path
):
    submit_job(demo_lab.client, demo_lab.tokens["alice"])
    page.wait(
        lambda: {"job", "device"} <= {entry["kind"] for entry in page.shown_feed()},
        "job and device events in the feed",
        60,
    )

    def only(attribute: str, value: str) -> bool:
        shown = page.shown_feed()
        return bool(shown) and all(entry.get(attribute) == value for entry in shown)

    kind = Select(browser.find_element(By.ID, "filter-kind"))
    kind.select_by_value("device")
    page.wait(lambda: only("kind", "device"), "device events only")
    kind.select_by_value("")
    device_type = Select(browser.find_element(By.ID, "filter-device-type"))
    device_type.select_by_value("qemu")
    page.wait(lambda: only("deviceType", "qemu"), "qemu events only")
    device_type.select_by_value("")
    browser.find_element(By.ID, "filter-submitter").send_keys("alice")
    page.wait(lambda: only("submitter", "alice"), "alice's events only")
    page.screenshot(tmp_path, "feed-filtered")
    browser.find_element(By.ID, "filter-submitter").clear()
    page.wait(lambda: not only("submitter", "alice"), "every submitter's events again")

    pause = browser.find_element(By.ID, "pause")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true" and pause.text == "Resume feed"
    frozen = [entry["messageId"] for entry in page.shown_feed()]
    received = len(page.seen())
    job_id = submit_job(demo_lab.client, demo_lab.tokens["alice"])
    page.wait(lambda: page.job_state(job_id), "the new job in the jobs table")
    assert len(page.seen()) > received
    assert [entry["messageId"] for entry in page.shown_feed()] == frozen
    assert page.text("#feed-status").startswith("Paused:")

    pause.send_keys(Keys.SPACE)
    assert pause.get_attribute("aria-pressed") == "false"
    page.wait(
        lambda: str(job_id) in {entry.get("jobId") for entry in page.shown_feed()},
        "the events that came while paused",
    )


def test_at_phone_width_nothing_overflows(page, demo_lab, browser, tmp_path):
    browser.set_window_size(375, 812)
    page.wait(lambda: page.script("return window.innerWidth") <= 400, "a phone-width window")
    assert not page.overflows()
    page.screenshot(tmp_path, "phone")
    finished = demo_lab.client.execute(
        "{ jobs(first: 1, filter: {states: [FINISHED]}) { nodes { id } } }"
    )["jobs"]["nodes"][0]["id"]
    page.script("location.hash = arguments[0]", f"#job/{finished}")
    page.wait(lambda: page.text("#details h2").startswith(f"Job {finished}:"), "job details")
    assert not page.overflows()
    page.script("location.hash = '#device/qemu-01'")
    page.wait(lambda: page.text("#details h2") == "Device qemu-01", "device details")
    assert not page.overflows()
    page.screenshot(tmp_path, "phone-device")


def test_a_private_job_is_hidden_anonymously_and_shown_with_its_submitters_token(
    page, demo_lab, browser, tmp_path
):
    private = submit_job(demo_lab.client, demo_lab.tokens["bob"], visibility="personal")
    public = submit_job(demo_lab.client, demo_lab.tokens["alice"])
    page.wait(lambda: page.job_state(public), "the public job")
    page.wait(
        lambda: str(public) in {entry.get("jobId") for entry in page.shown_feed()},
        "the public job in the feed",
    )
    assert page.job_state(private) is None
    assert str(private) not in {entry.get("jobId") for entry in page.shown_feed()}
    page.script("location.hash = arguments[0]", f"#job/{private}")
    page.wait(lambda: "may not see it" in page.text("#details"), "the refusal")

    field = browser.find_element(By.ID, "token")
    field.send_keys(demo_lab.tokens["bob"], Keys.ENTER)
    page.wait(lambda: "Signed in as bob" in page.text("#viewer"), "bob signed in")
    page.wait(lambda: page.job_state(private), "the private job")
    row = browser.find_element(By.CSS_SELECTOR, f"#jobs tr[data-job-id='{private}']")
    assert "(private)" in row.text
    page.wait(lambda: page.text("#details h2").startswith(f"Job {private}:"), "its details")
    assert "private" in page.text("#details dl")
    later = submit_job(demo_lab.client, demo_lab.tokens["bob"], visibility="personal")
    page.wait(lambda: page.job_state(later), "a private job submitted now, live")
    assert field.get_attribute("value") == ""
    assert (
        page.script("return sessionStorage.getItem('gql-server.token')") == (demo_lab.tokens["bob"])
    )
    assert page.script("return localStorage.length") == 0
    assert demo_lab.tokens["bob"] not in browser.current_url
    page.screenshot(tmp_path, "private-job")

    browser.find_element(By.ID, "forget-token").click()
    page.wait(lambda: page.text("#viewer").startswith("Anonymous"), "anonymous again")
    page.wait(lambda: page.job_state(private) is None, "the private job hidden again")


def test_a_network_blip_misses_no_event_and_repeats_none(page, demo_lab, tmp_path):
    page.wait(lambda: page.seen(), "a first event", 60)
    page.script("window.__lab.dropConnection({hold: true})")
    page.wait(lambda: page.connection() == "offline", "the page offline")
    job_id = submit_job(demo_lab.client, demo_lab.tokens["alice"])
    wait_for(
        lambda: published(demo_lab.sync_url, "testjob", "job", job_id, 0),
        "the job's event published while the page was offline",
    )
    assert page.job_state(job_id) is None
    page.screenshot(tmp_path, "offline")
    page.script("window.__lab.reconnect()")
    page.wait(lambda: page.job_state(job_id), "the job after the blip")
    page.wait(lambda: page.connection() == "live", "live again")

    seen = page.seen()
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    server = [seen[0]]
    with graphql_socket(demo_lab.base_url) as socket:
        socket.subscribe(EVENTS, {"after": seen[0]})
        while server[-1] != seen[-1]:
            server.append(socket.next()["messageId"])
    assert server == seen


def test_device_details_show_recent_jobs_and_live_health_history(page, demo_lab, browser, tmp_path):
    hostname = "bbb-04"
    browser.find_element(By.CSS_SELECTOR, f"#devices tr[data-hostname='{hostname}'] a").click()
    page.wait(lambda: page.text("#details h2") == f"Device {hostname}", "the device's details")
    recent = demo_lab.client.execute(
        "query ($h: String!) { device(hostname: $h) { recentJobs(limit: 10) { id } } }",
        {"h": hostname},
    )["device"]["recentJobs"]
    shown = page.script(
        "return [...document.querySelectorAll('#details a.job-link')]"
        ".map((a) => Number(a.textContent.slice(1)))"
    )
    assert shown[-len(recent) :] == [job["id"] for job in recent]

    def newest_history() -> str:
        return page.text("#health-history tr")

    token = demo_lab.tokens["root"]
    set_device_health(demo_lab.client, token, hostname, "MAINTENANCE")
    page.wait(lambda: "Maintenance" in newest_history(), "maintenance in the history")
    device_row = f"#devices tr[data-hostname='{hostname}']"
    assert page.script(f'return document.querySelector("{device_row}").dataset.health') == (
        "MAINTENANCE"
    )
    page.screenshot(tmp_path, "device-history")
    set_device_health(demo_lab.client, token, hostname, "GOOD")
    page.wait(lambda: "Good" in newest_history(), "good again in the history")
    rows = page.script("return document.querySelectorAll('#health-history tr').length")
    assert rows >= 2

    # Shown again: read from healthHistory, then followed live from its stream cursor.
    page.script("location.hash = '#'")
    page.wait(lambda: page.text("#details h2") == "", "the details closed")
    page.script("location.hash = arguments[0]", f"#device/{hostname}")
    page.wait(lambda: page.text("#details h2") == f"Device {hostname}", "the details again")
    assert [health for _state, health in shown_history(page)[:2]] == ["Good", "Maintenance"]
    set_device_health(demo_lab.client, token, hostname, "MAINTENANCE")
    page.wait(lambda: "Maintenance" in newest_history(), "maintenance again, live")

    def history_matches_the_api() -> bool:
        shown = shown_history(page)
        variables = {"h": hostname, "first": len(shown)}
        nodes = demo_lab.client.execute(HISTORY, variables)["device"]["healthHistory"]["nodes"]
        return shown == [[label(node["state"]), label(node["health"])] for node in nodes]

    page.wait(history_matches_the_api, "the history as the API has it: no gap, no repeat")


def label(value: str) -> str:
    """An enum value as the page writes it: MAINTENANCE -> Maintenance."""
    return value.capitalize()


def shown_history(page: LivePage) -> list[list[str]]:
    """The health history's rows as shown, newest first: [state, health] each."""
    return page.script(
        "return [...document.querySelectorAll('#health-history tr')]"
        ".map((row) => [row.cells[1].textContent, row.cells[2].textContent])"
    )


def test_a_jobs_details_show_its_notifications(page, demo_lab, browser, tmp_path):
    job_id = demo_lab.client.execute(
        "mutation ($d: String!) { submitJob(definition: $d) { id } }",
        {"d": NOTIFY_JOB},
        demo_lab.tokens["alice"],
    )["submitJob"][0]["id"]

    def sent() -> bool:
        job = demo_lab.client.execute(NOTIFICATIONS, {"id": job_id})["job"]
        return [each["status"] for each in job["notifications"]] == ["SENT"]

    wait_for(sent, "the mail sent through the demo's sink", JOB_DEADLINE_S)
    page.script("location.hash = arguments[0]", f"#job/{job_id}")
    page.wait(lambda: page.text("#details h2").startswith(f"Job {job_id}:"), "its details")

    def notifications() -> list[list[str]]:
        return page.script(
            "return [...document.querySelectorAll('#details table.notifications tbody tr')]"
            ".map((row) => [...row.cells].map((cell) => cell.textContent))"
        )

    assert notifications() == [["Finished", "Email", "—", "Sent", "1", "—"]]
    page.screenshot(tmp_path, "job-notifications")
    browser.find_element(By.ID, "token").send_keys(demo_lab.tokens["alice"], Keys.ENTER)
    page.wait(lambda: "Signed in as alice" in page.text("#viewer"), "alice signed in")
    page.wait(
        lambda: (
            notifications() == [["Finished", "Email", "live-page@example.org", "Sent", "1", "—"]]
        ),
        "the target, shown to the submitter",
    )

    other = submit_job(demo_lab.client, demo_lab.tokens["alice"])
    page.script("location.hash = arguments[0]", f"#job/{other}")
    page.wait(lambda: page.text("#details h2").startswith(f"Job {other}:"), "the other job")
    assert page.text("#details p.notifications") == "none"


def test_a_refused_token_is_said_so_and_can_be_forgotten(page, browser):
    browser.find_element(By.ID, "token").send_keys("not-a-token", Keys.ENTER)
    page.wait(lambda: page.connection() == "refused", "the socket refusing the token")
    assert "refused the token" in page.text("#connection")
    assert "refused this token" in page.text("#viewer")
    assert page.script("return document.querySelectorAll('#jobs tbody tr').length") == 0
    browser.find_element(By.ID, "forget-token").click()
    page.wait(lambda: page.connection() == "live", "live again, anonymously")
    page.wait(lambda: page.text("#viewer").startswith("Anonymous"), "anonymous again")
    page.wait(
        lambda: page.script("return document.querySelectorAll('#jobs tbody tr').length"),
        "the jobs again",
    )
