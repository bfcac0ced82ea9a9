// Details of one job (results, downloads, notifications) or one device (recent jobs, health
// history).

import { badge, deviceLink, fill, h, jobLink, label, when } from "./dom.js";
import { query } from "./gql.js";
import { authHeaders, currentToken } from "./token.js";

export const JOB = `query JobDetails($id: Int!) {
  job(id: $id) {
    id description state health isPublic healthCheck priority
    submitTime startTime endTime duration failureComment
    submitter { username } device { hostname } requestedDeviceType { name }
    resultCounts { passed failed skipped unknown total }
    suites {
      name
      resultCounts { passed failed skipped unknown total }
      failing: testCases(filter: {results: [FAIL]}, first: 20) { totalCount nodes { name } }
    }
    notifications { event kind target status attempts lastError }
    csv: resultsUrl(format: CSV)
    yaml: resultsUrl(format: YAML)
    junit: resultsUrl(format: JUNIT)
    tap13: resultsUrl(format: TAP13)
  }
}`;

export const DEVICE = `query DeviceDetails($hostname: String!) {
  device(hostname: $hostname) {
    hostname description state health
    deviceType { name } worker { hostname } currentJob { id }
    recentJobs(limit: 10) { id description state health endTime submitter { username } }
    healthHistory(first: 20) { streamCursor nodes { timestamp state health currentJob } }
  }
}`;

export const HEALTH_HISTORY = `subscription DeviceHistory($hostname: String, $after: String) {
  deviceEvents(hostname: $hostname, after: $after) {
    __typename cursor
    ... on DeviceEvent { timestamp state health currentJob }
  }
}`;

const DOWNLOADS = [
  ["csv", "CSV"],
  ["yaml", "YAML"],
  ["junit", "JUnit"],
  ["tap13", "TAP13"],
];

/** The job's GraphiQL link: the same query, with the id as a variable (never a token). */
export function graphiqlLink(document, variables) {
  const search = new URLSearchParams({ q: document, variables: JSON.stringify(variables) });
  return `/graphql?${search.toString().replaceAll("+", "%20")}`;
}

/** The details panel: shows the job or device the location's hash names. */
export class Details {
  constructor({ panel, socket }) {
    this.panel = panel;
    this.socket = socket;
    this.showing = null; // {kind, key}
    this.stopHistory = null;
  }

  /** Show what the hash names (`#job/12`, `#device/qemu-01`), or nothing. */
  async show(hash) {
    const [kind, key] = hash.replace(/^#/, "").split("/");
    if (kind && kind !== "job" && kind !== "device") return; // an in-page anchor (#main)
    this.close();
    if (kind === "job" && /^\d+$/.test(key)) {
      this.showing = { kind, key: Number(key) };
      await this.showJob(Number(key));
    } else if (kind === "device" && key) {
      this.showing = { kind, key: decodeURIComponent(key) };
      await this.showDevice(decodeURIComponent(key));
    }
  }

  close() {
    if (this.stopHistory) this.stopHistory();
    this.stopHistory = null;
    this.showing = null;
    this.panel.hidden = true;
    fill(this.panel);
  }

  /** A job event came: refresh the job shown when it is that job. */
  jobChanged(event) {
    if (this.showing?.kind === "job" && this.showing.key === Number(event.jobId)) {
      this.showJob(event.jobId, { focus: false });
    }
  }

  open(title, ...content) {
    const heading = h("h2", { id: "details-title", tabindex: "-1" }, title);
    const closer = h("a", { href: "#", class: "close" }, "Close details");
    fill(this.panel, heading, ...content, h("p", {}, closer));
    this.panel.hidden = false;
    return heading;
  }

  async showJob(id, { focus = true } = {}) {
    let job;
    try {
      job = (await query(JOB, { id })).job;
    } catch (error) {
      this.open(`Job ${id}`, h("p", { role: "alert" }, `Could not load the job: ${error.message}`));
      return;
    }
    if (this.showing?.kind !== "job" || this.showing.key !== id) return;
    if (!job) {
      const heading = this.open(`Job ${id}`, h("p", {}, "No such job, or you may not see it. Paste a token to see private jobs."));
      if (focus) heading.focus();
      return;
    }
    const facts = [
      ["State", badge("state", job.state)],
      ["Health", badge("health", job.health)],
      ["Visibility", job.isPublic ? "public" : "private"],
      ["Submitter", job.submitter?.username ?? "—"],
      ["Device type", job.requestedDeviceType?.name ?? "—"],
      ["Device", deviceLink(job.device?.hostname)],
      ["Submitted", when(job.submitTime)],
      ["Started", when(job.startTime)],
      ["Ended", when(job.endTime)],
      ["Duration", job.duration === null ? "—" : `${job.duration} s`],
    ];
    if (job.failureComment) facts.push(["Failure", job.failureComment]);
    const heading = this.open(
      `Job ${job.id}: ${job.description ?? ""}`,
      h("dl", { class: "facts", "data-job-id": job.id }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      h("h3", {}, "Test results"),
      results(job),
      h("h3", {}, "Notifications"),
      notifications(job.notifications),
      h("h3", {}, "Downloads"),
      h(
        "ul",
        { class: "downloads" },
        DOWNLOADS.map(([field, name]) =>
          h("li", {}, download(job[field], `${name} results of job ${job.id}`, name, `job-${job.id}.${field}`)),
        ),
        h("li", {}, h("a", { href: graphiqlLink(JOB, { id: job.id }) }, "This query in GraphiQL")),
      ),
    );
    if (focus) heading.focus();
  }

  async showDevice(hostname, { focus = true } = {}) {
    let device;
    try {
      device = (await query(DEVICE, { hostname })).device;
    } catch (error) {
      this.open(hostname, h("p", { role: "alert" }, `Could not load the device: ${error.message}`));
      return;
    }
    if (this.showing?.kind !== "device" || this.showing.key !== hostname) return;
    if (!device) {
      const heading = this.open(hostname, h("p", {}, "No such device, or you may not see it."));
      if (focus) heading.focus();
      return;
    }
    const history = h("tbody", { id: "health-history" }, device.healthHistory.nodes.map(historyRow));
    const heading = this.open(
      `Device ${device.hostname}`,
      h(
        "dl",
        { class: "facts" },
        [
          ["Type", device.deviceType?.name ?? "—"],
          ["Worker", device.worker?.hostname ?? "—"],
          ["State", badge("state", device.state)],
          ["Health", badge("health", device.health)],
          ["Current job", device.currentJob ? jobLink(device.currentJob.id) : "none"],
        ].map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
      ),
      h("h3", {}, "Recent jobs"),
      h(
        "div",
        { class: "scroll" },
        table(
          ["Job", "Name", "State", "Health", "Ended", "Submitter"],
          device.recentJobs.map((job) => [
            jobLink(job.id),
            job.description ?? "—",
            badge("state", job.state),
            badge("health", job.health),
            when(job.endTime),
            job.submitter?.username ?? "—",
          ]),
        ),
      ),
      h("h3", {}, "Health history"),
      h("p", { class: "hint" }, "Its newest state and health changes, newest first, live."),
      h("div", { class: "scroll" }, table(["When", "State", "Health", "Job"], [], { body: history })),
    );
    // Only what was published after the history was read follows: no gap, no repeat.
    const after = device.healthHistory.streamCursor;
    this.stopHistory = this.socket.subscribe(HEALTH_HISTORY, { hostname, after }, {
      onData: (event) => {
        if (event.__typename === "DeviceEvent") history.prepend(historyRow(event));
      },
    });
    if (focus) heading.focus();
  }
}

/** A row of a device's health history: a history entry or a live device event. */
function historyRow(entry) {
  return h(
    "tr",
    {},
    h("td", {}, when(entry.timestamp)),
    h("td", {}, badge("state", entry.state)),
    h("td", {}, badge("health", entry.health)),
    h("td", {}, entry.currentJob ?? "—"),
  );
}

/** A job's notifications; where each goes only to its submitter and superusers ("—"). */
function notifications(list) {
  if (!list.length) return h("p", { class: "notifications" }, "none");
  const rows = list.map((each) => [
    label(each.event),
    label(each.kind),
    each.target ?? "—",
    badge("status", each.status),
    each.attempts,
    each.lastError ?? "—",
  ]);
  const headers = ["Event", "Kind", "Target", "Status", "Attempts", "Last error"];
  return h("div", { class: "scroll" }, table(headers, rows, { className: "notifications" }));
}

function results(job) {
  const counts = job.resultCounts;
  if (!counts.total) return h("p", {}, "No test results yet.");
  const suites = [...job.suites].sort((a, b) => b.resultCounts.failed - a.resultCounts.failed);
  return h(
    "div",
    { class: "results" },
    h("p", { class: "summary" }, `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.unknown} unknown, ${counts.total} in all.`),
    h(
      "div",
      { class: "scroll" },
      table(
        ["Suite", "Pass", "Fail", "Skip", "Unknown", "Failing cases"],
        suites.map((suite) => [
          suite.name ?? "—",
          suite.resultCounts.passed,
          suite.resultCounts.failed,
          suite.resultCounts.skipped,
          suite.resultCounts.unknown,
          failing(suite.failing),
        ]),
        { className: "results" },
      ),
    ),
  );
}

function failing(cases) {
  if (!cases.totalCount) return "none";
  const more = cases.totalCount - cases.nodes.length;
  return h("ul", { class: "failing" }, cases.nodes.map((each) => h("li", {}, each.name)), more > 0 ? h("li", {}, `and ${more} more`) : null);
}

function table(headers, rows, { body = h("tbody"), className = null } = {}) {
  for (const cells of rows) {
    body.append(h("tr", {}, h("th", { scope: "row" }, cells[0]), cells.slice(1).map((cell) => h("td", {}, cell))));
  }
  return h(
    "table",
    { class: className },
    h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name)))),
    body,
  );
}

/** A download link; with a token, fetched with it (a private job's files need it). */
function download(url, description, text, filename) {
  return h("a", {
    href: url,
    "aria-label": description,
    "data-format": text,
    onclick: async (event) => {
      if (!currentToken()) return; // anonymous: an ordinary link
      event.preventDefault();
      const response = await fetch(url, { headers: authHeaders() });
      const blob = await response.blob();
      const link = h("a", { href: URL.createObjectURL(blob), download: filename });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    },
  }, text);
}

