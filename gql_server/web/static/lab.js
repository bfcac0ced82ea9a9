// The lab at a glance: devices by type, workers and the newest jobs, kept current by events.

import { badge, deviceLink, fill, h, jobLink } from "./dom.js";

export const SNAPSHOT = `query LabPage($jobs: Int!) {
  viewer { isAuthenticated username }
  deviceTypes(first: 100) {
    nodes { name devices { hostname state health worker { hostname } currentJob { id } } }
  }
  workers(first: 100) { nodes { hostname state health } }
  jobs(first: $jobs) {
    nodes {
      id description state health isPublic
      submitter { username } device { hostname } requestedDeviceType { name }
    }
  }
}`;

export const JOB_ROWS = 25;

const now = () => performance.timeOrigin + performance.now();

export class Lab {
  constructor({ devices, workers, jobs }) {
    this.devicesElement = devices;
    this.workersElement = workers;
    this.jobsBody = jobs;
    this.devices = new Map(); // hostname -> {device, row}
    this.deviceTables = new Map(); // device type -> tbody
    this.workers = new Map(); // hostname -> {worker, row}
    this.jobs = new Map(); // id -> {job, row}
    this.renderedAt = new Map(); // "id:STATE" -> epoch ms when the row first showed it
  }

  /** Show a fresh snapshot (the SNAPSHOT query's data). */
  load(data) {
    this.devices.clear();
    this.deviceTables.clear();
    this.workers.clear();
    this.jobs.clear();
    fill(this.devicesElement);
    for (const type of data.deviceTypes.nodes) {
      for (const device of type.devices) {
        this.putDevice({
          hostname: device.hostname,
          deviceType: type.name,
          state: device.state,
          health: device.health,
          worker: device.worker?.hostname,
          currentJob: device.currentJob ? String(device.currentJob.id) : null,
        });
      }
    }
    fill(this.workersElement);
    for (const worker of data.workers.nodes) this.putWorker(worker);
    fill(this.jobsBody);
    for (const job of data.jobs.nodes) {
      this.putJob({
        jobId: job.id,
        description: job.description,
        jobState: job.state,
        jobHealth: job.health,
        isPublic: job.isPublic,
        submitter: job.submitter?.username,
        device: job.device?.hostname,
        deviceType: job.requestedDeviceType?.name,
      });
    }
  }

  /** Apply one event of the `events` subscription. */
  apply(event) {
    switch (event.__typename) {
      case "JobEvent":
        this.putJob(event);
        break;
      case "DeviceEvent":
        this.putDevice({ ...event, state: event.deviceState, health: event.deviceHealth });
        break;
      case "WorkerEvent":
        this.putWorker({ ...event, state: event.workerState, health: event.workerHealth });
        break;
    }
  }

  /** What is known of a job (from the table or its events), or undefined. */
  job(id) {
    return this.jobs.get(Number(id))?.job;
  }

  putDevice(device) {
    const known = this.devices.get(device.hostname);
    const merged = { ...known?.device, ...device };
    const row = known?.row ?? h("tr", { "data-hostname": device.hostname });
    row.dataset.state = merged.state;
    row.dataset.health = merged.health;
    fill(
      row,
      h("th", { scope: "row" }, deviceLink(merged.hostname)),
      h("td", {}, badge("state", merged.state)),
      h("td", {}, badge("health", merged.health)),
      h("td", {}, merged.worker || "—"),
      h("td", {}, merged.currentJob ? jobLink(merged.currentJob) : "none"),
    );
    this.devices.set(device.hostname, { device: merged, row });
    if (!known) this.deviceTable(merged.deviceType).append(row);
  }

  deviceTable(type) {
    let body = this.deviceTables.get(type);
    if (body) return body;
    body = h("tbody");
    const table = h(
      "table",
      { class: "devices" },
      h("caption", {}, h("h3", {}, type || "(no type)")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Device", "State", "Health", "Worker", "Current job"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
        ),
      ),
      body,
    );
    const wrapper = h("div", { class: "scroll", "data-device-type": type }, table);
    const after = [...this.deviceTables.keys()].sort().find((name) => name > type);
    const before = after ? this.devicesElement.querySelector(`[data-device-type="${CSS.escape(after)}"]`) : null;
    this.devicesElement.insertBefore(wrapper, before);
    this.deviceTables.set(type, body);
    return body;
  }

  putWorker(worker) {
    const known = this.workers.get(worker.hostname);
    const merged = { ...known?.worker, ...worker };
    const row = known?.row ?? h("tr", { "data-hostname": worker.hostname });
    fill(
      row,
      h("th", { scope: "row" }, merged.hostname),
      h("td", {}, badge("state", merged.state)),
      h("td", {}, badge("health", merged.health)),
    );
    this.workers.set(worker.hostname, { worker: merged, row });
    if (!known) this.workersElement.append(row);
  }

  putJob(event) {
    const id = Number(event.jobId);
    const known = this.jobs.get(id);
    if (!known) {
      const ids = [...this.jobs.keys()];
      if (ids.length >= JOB_ROWS && id < Math.min(...ids)) return; // older than the table
    }
    const job = { ...known?.job, ...dropEmpty(event), jobId: id };
    const row = known?.row ?? h("tr", { "data-job-id": id });
    row.dataset.state = job.jobState;
    row.dataset.health = job.jobHealth;
    fill(
      row,
      h("th", { scope: "row" }, jobLink(id)),
      h("td", {}, job.description || "—", job.isPublic === false ? h("span", { class: "private" }, " (private)") : null),
      h("td", { class: "job-state" }, badge("state", job.jobState)),
      h("td", {}, badge("health", job.jobHealth)),
      h("td", {}, deviceLink(job.device)),
      h("td", {}, job.deviceType || "—"),
      h("td", {}, job.submitter || "—"),
    );
    this.jobs.set(id, { job, row });
    if (!known) this.insertJobRow(id, row);
    const key = `${id}:${job.jobState}`;
    if (!this.renderedAt.has(key)) this.renderedAt.set(key, now());
  }

  insertJobRow(id, row) {
    const next = [...this.jobsBody.rows].find((other) => Number(other.dataset.jobId) < id);
    this.jobsBody.insertBefore(row, next ?? null);
    while (this.jobsBody.rows.length > JOB_ROWS) {
      const last = this.jobsBody.rows[this.jobsBody.rows.length - 1];
      this.jobs.delete(Number(last.dataset.jobId));
      last.remove();
    }
  }
}

function dropEmpty(event) {
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== null && value !== undefined));
}

