// The live lab page: a snapshot by query, then every change from one `events` subscription.

import { Details } from "./details.js";
import { fill, h } from "./dom.js";
import { LiveSocket, query } from "./gql.js";
import { Feed } from "./feed.js";
import { JOB_ROWS, Lab, SNAPSHOT } from "./lab.js";
import { currentToken, keepToken } from "./token.js";

export const LAB_EVENTS = `subscription LabEvents($after: String) {
  events(after: $after) {
    __typename cursor
    ... on LabEvent { topic messageId timestamp username }
    ... on JobEvent {
      jobId subId jobState: state jobHealth: health description submitter
      deviceType device worker
    }
    ... on DeviceEvent {
      hostname deviceTypeName: deviceType worker deviceState: state deviceHealth: health currentJob
    }
    ... on WorkerEvent { hostname workerState: state workerHealth: health }
    ... on TestShellEvent { jobId message }
  }
}`;

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Connection lost: reconnecting",
  offline: "Offline",
  refused: "The server refused the token: paste another one or forget it",
};

const byId = (id) => document.getElementById(id);

class Page {
  constructor() {
    this.lab = new Lab({ devices: byId("devices"), workers: byId("workers"), jobs: byId("jobs").tBodies[0] });
    this.feed = new Feed({
      list: byId("feed"),
      status: byId("feed-status"),
      pauseButton: byId("pause"),
      filters: {
        kind: byId("filter-kind"),
        deviceType: byId("filter-device-type"),
        submitter: byId("filter-submitter"),
      },
      jobOf: (id) => this.lab.job(id),
    });
    this.details = new Details({ panel: byId("details") });
    this.socket = null;
    this.seen = []; // message ids of the events received, in order (for tests)
    this.ready = false;
  }

  start() {
    byId("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = byId("token");
      keepToken(input.value.trim());
      input.value = "";
      this.connect();
    });
    byId("forget-token").addEventListener("click", () => {
      keepToken("");
      this.connect();
    });
    window.addEventListener("hashchange", () => this.details.show(window.location.hash));
    this.connect();
    this.details.show(window.location.hash);
  }

  /** (Re)start everything for the current viewer: subscribe, then load the snapshot. */
  connect() {
    if (this.socket) this.socket.close();
    this.ready = false;
    this.seen = [];
    this.feed.clear();
    const socket = new LiveSocket({ onStatus: (status, detail) => this.status(status, detail) });
    this.socket = socket;
    this.details.socket = socket;
    const early = [];
    let started = false;
    socket.subscribe(LAB_EVENTS, { after: null }, {
      onData: (message) => {
        if (message.__typename === "SubscriptionStarted") {
          if (!started) this.load(socket, early);
          started = true;
          return;
        }
        this.seen.push(message.messageId);
        const event = message.__typename === "DeviceEvent" ? { ...message, deviceType: message.deviceTypeName } : message;
        if (this.ready) this.take(event);
        else early.push(event);
      },
      onError: (error) => this.status("offline", error.message),
    });
    socket.connect();
    if (this.details.showing) this.details.show(window.location.hash);
  }

  /** Load the snapshot, then apply the events that came meanwhile (in order). */
  async load(socket, early) {
    let data;
    try {
      data = await query(SNAPSHOT, { jobs: JOB_ROWS });
    } catch (error) {
      fill(byId("viewer"), h("span", { role: "alert" }, `Could not load the lab: ${error.message}`));
      return;
    }
    if (socket !== this.socket) return;
    this.lab.load(data);
    this.viewer(data.viewer);
    this.filterChoices(data);
    for (const message of early.splice(0)) this.take(message);
    this.ready = true;
    document.body.dataset.ready = "true";
  }

  take(message) {
    this.lab.apply(message);
    this.feed.add(message);
    if (message.__typename === "JobEvent") this.details.jobChanged(message);
  }

  status(status, detail = "") {
    if (status === "refused") this.refused();
    const element = byId("connection");
    element.dataset.status = status;
    fill(element, STATUS_TEXT[status] + (detail && status === "reconnecting" ? ` ${detail}` : ""));
  }

  /** The token was refused: show nothing rather than what another viewer saw. */
  refused() {
    this.lab.load({ deviceTypes: { nodes: [] }, workers: { nodes: [] }, jobs: { nodes: [] } });
    fill(byId("viewer"), h("span", { role: "alert" }, "The server refused this token: paste another one, or forget it to look anonymously."));
  }

  viewer(viewer) {
    const text = viewer.isAuthenticated
      ? `Signed in as ${viewer.username} with a token: public jobs and those you may see.`
      : currentToken()
        ? "The token was not accepted."
        : "Anonymous: public jobs only.";
    fill(byId("viewer"), text);
  }

  filterChoices(data) {
    const select = byId("filter-device-type");
    const chosen = select.value;
    fill(select, h("option", { value: "" }, "all"), data.deviceTypes.nodes.map((type) => h("option", { value: type.name }, type.name)));
    select.value = chosen;
    const names = new Set(data.jobs.nodes.map((job) => job.submitter?.username).filter(Boolean));
    fill(byId("submitters"), [...names].sort().map((name) => h("option", { value: name })));
  }
}

const page = new Page();
page.start();

// Hooks for the browser tests and the benchmark (they change nothing the page shows).
window.__lab = {
  get ready() {
    return page.ready;
  },
  seen: () => [...page.seen],
  renderedAt: (jobId, state) => page.lab.renderedAt.get(`${jobId}:${state}`) ?? null,
  dropConnection: ({ hold = false } = {}) => page.socket.drop({ hold }),
  reconnect: () => page.socket.resume(),
};
