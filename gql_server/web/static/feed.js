// The running feed of events: filtered by kind, device type or submitter; paused and resumed.

import { fill, h, jobLink, label } from "./dom.js";

const KEEP = 500; // events kept for re-filtering
const SHOW = 100; // events shown
const RENDER_EVERY_MS = 1000; // the list is aria-live: redraw it at most once a second

const KINDS = {
  JobEvent: "job",
  DeviceEvent: "device",
  WorkerEvent: "worker",
  TestShellEvent: "test shell",
};

export class Feed {
  constructor({ list, status, pauseButton, filters, jobOf }) {
    this.list = list;
    this.status = status;
    this.pauseButton = pauseButton;
    this.filters = filters; // {kind, deviceType, submitter} form controls
    this.jobOf = jobOf; // id -> what the lab knows of a job (for test-shell events)
    this.items = [];
    this.paused = false;
    this.waiting = 0;
    this.timer = null;
    pauseButton.addEventListener("click", () => this.setPaused(!this.paused));
    for (const control of Object.values(filters)) {
      for (const type of ["input", "change"]) {
        control.addEventListener(type, () => this.render({ full: true }));
      }
    }
  }

  /** Take a lab event into the feed. */
  add(event) {
    const job = event.jobId !== undefined ? this.jobOf(event.jobId) : undefined;
    this.items.unshift({
      event,
      kind: KINDS[event.__typename] ?? "other",
      deviceType: event.deviceType ?? job?.deviceType ?? null,
      submitter: event.submitter ?? job?.submitter ?? null,
    });
    this.items.length = Math.min(this.items.length, KEEP);
    if (this.paused) {
      this.waiting += 1;
      this.showStatus();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.render(), RENDER_EVERY_MS);
    }
  }

  /** Forget every event (a new viewer). */
  clear() {
    this.items = [];
    this.waiting = 0;
    this.render({ full: true });
  }

  setPaused(paused) {
    this.paused = paused;
    this.pauseButton.setAttribute("aria-pressed", String(paused));
    this.pauseButton.textContent = paused ? "Resume feed" : "Pause feed";
    if (!paused) this.render();
    else this.showStatus();
  }

  shown() {
    const kind = this.filters.kind.value;
    const deviceType = this.filters.deviceType.value;
    const submitter = this.filters.submitter.value.trim();
    return this.items.filter(
      (item) =>
        (!kind || item.kind === kind) &&
        (!deviceType || item.deviceType === deviceType) &&
        (!submitter || item.submitter === submitter),
    );
  }

  /**
   * Show the matching events, newest first. New ones are added above the others (the list
   * is aria-live: only they are announced); a change of filters redraws the list (`full`).
   */
  render({ full = false } = {}) {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.paused) return;
    this.waiting = 0;
    const shown = this.shown();
    const newest = this.list.firstElementChild?.dataset.cursor;
    if (full || newest === undefined) {
      fill(this.list, shown.slice(0, SHOW).map((item) => this.entry(item)));
    } else {
      const fresh = [];
      for (const item of shown) {
        if (item.event.cursor === newest || fresh.length === SHOW) break;
        fresh.push(this.entry(item));
      }
      this.list.prepend(...fresh);
      while (this.list.children.length > SHOW) this.list.lastElementChild.remove();
    }
    this.showStatus(shown.length);
  }

  showStatus(count = this.shown().length) {
    const paused = this.paused ? `Paused: ${this.waiting} new while paused. ` : "";
    fill(this.status, `${paused}${count} of ${this.items.length} events match the filters.`);
  }

  entry({ event, kind, deviceType, submitter }) {
    const data = {
      "data-cursor": event.cursor,
      "data-message-id": event.messageId,
      "data-kind": kind,
      "data-job-id": event.jobId,
      "data-device-type": deviceType,
      "data-submitter": submitter,
    };
    return h(
      "li",
      data,
      h("time", { datetime: event.timestamp }, new Date(event.timestamp).toLocaleTimeString()),
      " ",
      h("span", { class: `kind kind-${kind.replace(" ", "-")}` }, kind),
      " ",
      ...describe(event),
    );
  }
}

function describe(event) {
  switch (event.__typename) {
    case "JobEvent":
      return [
        "job ",
        jobLink(event.jobId),
        ` ${event.description ?? ""}: ${label(event.jobState)}, health ${label(event.jobHealth)}`,
        event.device ? ` on ${event.device}` : "",
        ` (${event.submitter})`,
      ];
    case "DeviceEvent":
      return [
        `${event.hostname}: ${label(event.deviceState)}, health ${label(event.deviceHealth)}`,
        event.currentJob ? ` running ${event.currentJob}` : "",
      ];
    case "WorkerEvent":
      return [`${event.hostname}: ${label(event.workerState)}, health ${label(event.workerHealth)}`];
    case "TestShellEvent":
      return ["job ", jobLink(event.jobId), `: ${event.message}`];
    default:
      return [event.topic ?? ""];
  }
}
