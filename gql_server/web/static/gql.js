// GraphQL over HTTP (queries) and over graphql-transport-ws (subscriptions), by hand.

import { authHeaders } from "./token.js";

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((error) => error.message).join("; "));
    this.errors = errors;
  }
}

/** Run a query or mutation with POST /graphql; its data, or a GraphQLError. */
export async function query(document, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: response.statusText }] }));
  if (body.errors && body.errors.length) throw new GraphQLError(body.errors);
  return body.data;
}

const PROTOCOL = "graphql-transport-ws";
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10000;
const SILENCE_MS = 45000; // the server pings every 15 s: this much silence is a dead link
const REFUSED = 4403;

/**
 * One websocket to /graphql carrying any number of subscriptions. It authenticates with the
 * pasted token in connection_init, answers pings, reconnects with back-off after a drop and
 * resumes each subscription with `after:` its last cursor, so nothing is missed or repeated.
 */
export class LiveSocket {
  constructor({ onStatus = () => {} } = {}) {
    this.onStatus = onStatus;
    this.subscriptions = new Map();
    this.nextId = 1;
    this.socket = null;
    this.acknowledged = false;
    this.retries = 0;
    this.retryTimer = null;
    this.silenceTimer = null;
    this.held = false;
    this.closed = false;
  }

  /** Start (or restart) the connection. */
  connect() {
    clearTimeout(this.retryTimer);
    if (this.closed || this.held) return;
    const url = new URL("/graphql", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, PROTOCOL);
    this.socket = socket;
    this.acknowledged = false;
    this.onStatus("connecting");
    socket.addEventListener("open", () => {
      this.send({ type: "connection_init", payload: authHeaders() });
    });
    socket.addEventListener("message", (message) => this.receive(socket, message));
    socket.addEventListener("close", (event) => this.lost(socket, event));
  }

  /**
   * Subscribe; `onData` gets each message's data (the subscription's one field). Returns
   * a function that ends the subscription.
   */
  subscribe(document, variables, { onData, onError = () => {} }) {
    const id = String(this.nextId++);
    const subscription = { id, document, variables, onData, onError, cursor: variables.after };
    this.subscriptions.set(id, subscription);
    if (this.acknowledged) this.start(subscription);
    return () => {
      if (this.subscriptions.delete(id) && this.acknowledged) this.send({ id, type: "complete" });
    };
  }

  /** Close for good. */
  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    if (this.socket) this.socket.close(1000, "page closed");
  }

  /** Simulate a network blip: close the socket; with `hold`, stay closed until `resume()`. */
  drop({ hold = false } = {}) {
    this.held = hold;
    if (this.socket) this.socket.close(4000, "dropped");
  }

  /** Reconnect after a held drop. */
  resume() {
    this.held = false;
    this.retries = 0;
    this.connect();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  start(subscription) {
    const variables = { ...subscription.variables, after: subscription.cursor ?? null };
    this.send({
      id: subscription.id,
      type: "subscribe",
      payload: { query: subscription.document, variables },
    });
  }

  receive(socket, event) {
    if (socket !== this.socket) return;
    this.watch();
    const message = JSON.parse(event.data);
    const subscription = this.subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack":
        this.acknowledged = true;
        this.retries = 0;
        this.onStatus("live");
        for (const each of this.subscriptions.values()) this.start(each);
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (!subscription) break;
        if (message.payload.errors) {
          subscription.onError(new GraphQLError(message.payload.errors));
          break;
        }
        for (const data of Object.values(message.payload.data || {})) {
          if (data && data.cursor) subscription.cursor = data.cursor;
          subscription.onData(data);
        }
        break;
      case "error":
        if (!subscription) break;
        if (message.payload.some((error) => error.extensions?.code === "SUBSCRIBER_TOO_SLOW")) {
          this.start(subscription); // fell behind: resume from its last cursor
        } else {
          this.subscriptions.delete(message.id);
          subscription.onError(new GraphQLError(message.payload));
        }
        break;
      case "complete":
        this.subscriptions.delete(message.id);
        break;
    }
  }

  watch() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.socket && this.socket.close(4408, "silent"), SILENCE_MS);
  }

  lost(socket, event) {
    if (socket !== this.socket) return;
    clearTimeout(this.silenceTimer);
    this.socket = null;
    this.acknowledged = false;
    if (this.closed) return;
    if (event.code === REFUSED) {
      this.onStatus("refused", event.reason);
      return;
    }
    if (this.held) {
      this.onStatus("offline");
      return;
    }
    const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries);
    this.retries += 1;
    this.onStatus("reconnecting", `in ${Math.round(delay / 100) / 10} s`);
    this.retryTimer = setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
  }
}
