// Live reload's connection to the dev server, shared by every tab of the app
// (scripts/devreload/livereload.py). It passes on what the server says, and
// connects again when the stream ends: at once after a reload (the
// connection waits for the new server), then less and less often while the
// dev server is away, quietly.
"use strict";
const FIRST_RETRY_MS = 50;
const LAST_RETRY_MS = 5000;
const tabs = new Set();
let now = null; // {server, change} while the stream is up
let retryMs = 0;

function addTab(port) {
  tabs.add(port);
  port.onmessage = ({ data }) => {
    if (data === "bye") tabs.delete(port);
    if (data === "hello") addTab(port); // back from the back/forward cache
  };
  if (now) port.postMessage({ event: "server", ...now });
}

function tell(message) {
  for (const port of tabs) port.postMessage(message);
}

function connect() {
  const source = new EventSource("events");
  source.addEventListener("server", ({ data }) => {
    now = JSON.parse(data);
    retryMs = 0;
    tell({ event: "server", ...now });
  });
  for (const event of ["reload", "css"]) {
    source.addEventListener(event, ({ data }) => {
      const change = JSON.parse(data);
      now = { ...now, change: change.change };
      tell({ event, ...now, ...change });
    });
  }
  source.onerror = () => {
    source.close(); // the browser's own retry would wait seconds
    now = null; // unknown until the next stream says
    setTimeout(connect, retryMs);
    retryMs = Math.min(Math.max(retryMs * 2, FIRST_RETRY_MS), LAST_RETRY_MS);
  };
}

if (typeof SharedWorkerGlobalScope !== "undefined") {
  self.onconnect = ({ ports }) => addTab(ports[0]);
} else {
  addTab(self); // a dedicated worker: its one tab
}
connect();
