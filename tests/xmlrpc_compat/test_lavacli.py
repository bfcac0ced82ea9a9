"""lavacli, the real client from PyPI, against the live server: each command of the table
runs in order, with an identity holding a token, and its output is checked."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.live import set_device_health

LAVACLI = Path(sys.executable).with_name("lavacli")
DEADLINE_S = 60.0

# command line (formatted with the run's names) | text the output must contain (formatted too)
COMMANDS = [
    ("system version", "{version}"),
    ("system whoami", "vis-admin"),
    ("system api", "2"),
    ("system methods list", "scheduler.jobs.submit"),
    ("system methods help scheduler.jobs.show", "scheduler.jobs.show"),
    ("system methods signature system.methodHelp", "str"),
    ("jobs validate {definition}", ""),
    ("jobs submit {definition}", "{new_job}"),
    ("jobs list --limit 5", "* {new_job}: Submitted,Unknown [vis-admin] (smoke)"),
    ("jobs list --state FINISHED --health COMPLETE --limit 2 --verbose", ",Complete ["),
    ("jobs queue {device_type} --limit 100", "* {new_job}: vis-admin (smoke) - {device_type}"),
    ("jobs show {new_job}", "state       : Submitted"),
    ("jobs definition {new_job}", "job_name: smoke"),
    ("jobs cancel {new_job}", ""),
    ("jobs show {new_job}", "Health      : Canceled"),
    ("jobs wait {new_job}", ""),
    ("jobs resubmit {new_job}", "{resubmitted_job}"),
    ("jobs cancel {resubmitted_job}", ""),
    ("jobs show {finished_job}", "Health      : Complete"),
    ("jobs logs {finished_job} --no-follow", "start: validate"),
    ("results {finished_job}", "* lava.job [pass]"),
    ("results {finished_job} lava", "* lava.validate [pass]"),
    ("results {finished_job} lava job", "pass"),
    ("devices list", "* {device} ({device_type}): "),
    ("devices show {device}", "device-type : {device_type}"),
    ("devices update {device} --description lavacli-e2e", ""),
    ("devices show {device}", "description : lavacli-e2e"),
    ("devices update {device} --description {device_description}", ""),
    ("devices tags add {device} lavacli-e2e", ""),
    ("devices tags list {device}", "* lavacli-e2e"),
    ("devices tags delete {device} lavacli-e2e", ""),
    ("device-types list", "* {device_type} ("),
    ("device-types show {device_type}", "name            : {device_type}"),
    ("device-types aliases list {device_type}", "Aliases:"),
    ("workers list", "* {worker}"),
    ("workers show {worker}", "hostname    : {worker}"),
    ("workers update {worker} --description lavacli-e2e", ""),
    ("workers show {worker}", "description : lavacli-e2e"),
    ("workers update {worker} --description {worker_description}", ""),
    ("tags add lavacli-e2e-tag --description 'made by lavacli'", ""),
    ("tags list", "* lavacli-e2e-tag (made by lavacli)"),
    ("tags show lavacli-e2e-tag", "description: made by lavacli"),
    ("tags delete lavacli-e2e-tag", ""),
    ("aliases list", "* {alias}"),
    ("aliases show {alias}", "device-type: {alias_type}"),
    ("events wait device {device} --health MAINTENANCE", "TRIGGER: set {device} MAINTENANCE"),
    ("events listen", "TRIGGER: set {device} GOOD | [{device}] <{device_type_of_device}>"),
]


class Lavacli:
    """Runs lavacli with its own configuration folder (where its identity lives)."""

    def __init__(self, folder: Path) -> None:
        self.env = {**os.environ, "XDG_CONFIG_HOME": str(folder)}

    def run(self, line: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(LAVACLI), *shlex.split(line)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=DEADLINE_S,
        )

    def start(self, line: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(LAVACLI), *shlex.split(line)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )


@pytest.fixture
def lavacli(lab, tmp_path) -> Lavacli:
    client = Lavacli(tmp_path)
    added = client.run(
        f"identities add --uri {lab.server.base_url}/RPC2 --username vis-admin"
        f" --token {lab.tokens['vis-admin']} default"
    )
    assert added.returncode == 0, added.stderr
    return client


def _names(lab, tmp_path: Path) -> dict[str, str]:
    device_type = usable_device_type(lab.sync_url)
    definition = tmp_path / "job.yaml"
    definition.write_text(SINGLE.format(device_type=device_type, visibility="public"))
    finished = lab.client.execute(
        "{ jobs(first: 1, filter: {states: [FINISHED], healths: [COMPLETE], isPublic: true,"
        ' descriptionContains: "smoke"}) { nodes { id } } }'
    )["jobs"]["nodes"][0]["id"]
    devices = "query ($t: String!) { devices(first: 1, filter: {deviceTypes: [$t]}) {"
    device = lab.client.execute(devices + " nodes { hostname } } }", {"t": device_type})["devices"][
        "nodes"
    ][0]["hostname"]
    about = "query ($h: String!) { device(hostname: $h) { description worker {"
    device_row = lab.client.execute(about + " hostname description } } }", {"h": device})["device"]
    alias = lab.client.execute("{ aliases(first: 1) { nodes { name deviceType { name } } } }")[
        "aliases"
    ]["nodes"][0]
    return {
        "device_description": shlex.quote(device_row["description"] or ""),
        "worker": device_row["worker"]["hostname"],
        "worker_description": shlex.quote(device_row["worker"]["description"] or ""),
        "alias": alias["name"],
        "alias_type": alias["deviceType"]["name"],
        "definition": str(definition),
        "device_type": device_type,
        "device_type_of_device": device_type,
        "device": device,
        "finished_job": str(finished),
    }


def _with_events(lab, lavacli: Lavacli, line: str, expected: str) -> str:
    """Run a command that waits for events while the device's health flips between its
    target and GOOD, until the command exits (``events wait``) or prints what is expected
    (``events listen``). Returns its output."""
    trigger, _, shown = expected.partition(" | ")
    _, hostname, target = trigger.removeprefix("TRIGGER: ").split()
    token = lab.tokens["vis-admin"]
    before = lab.client.execute(
        "query ($h: String!) { device(hostname: $h) { health } }", {"h": hostname}, token=token
    )["device"]["health"]
    process = lavacli.start(line)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    healths = itertools.cycle([target, "GOOD" if target != "GOOD" else "MAINTENANCE"])
    deadline = time.monotonic() + DEADLINE_S
    try:
        while process.poll() is None and not (shown and shown in "".join(lines)):
            assert time.monotonic() < deadline, f"{line}: {''.join(lines)}"
            set_device_health(lab.client, token, hostname, next(healths))
            time.sleep(0.2)  # pacing between changes; the loop waits on the condition above
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=DEADLINE_S)
        reader.join(DEADLINE_S)
        set_device_health(lab.client, token, hostname, before)
    if not shown:
        assert process.returncode == 0, "".join(lines)
    return "".join(lines)


def test_lavacli_commands(lab, lavacli, tmp_path):
    names = _names(lab, tmp_path)
    names["version"] = lavacli.run("system version").stdout.strip()
    for line, expected in COMMANDS:
        line = line.format(**names)
        if expected.startswith("TRIGGER:"):
            _with_events(lab, lavacli, line, expected.format(**names))
            continue
        done = lavacli.run(line)
        assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
        output = done.stdout
        for key in ("new_job", "resubmitted_job"):
            if "{" + key + "}" in expected and key not in names:
                names[key] = re.search(r"\d+", output).group()
        assert expected.format(**names) in output, f"{line}:\n{output}"
