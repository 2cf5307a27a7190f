// Live reload, in each page the dev server serves (scripts/devreload/livereload.py).
// The page follows what the shared worker hears from the dev server: a new
// server (new code) or a change it was made before (reload), or
// stylesheets to swap in place.
"use strict";
(() => {
  if (window.liveReloadStarted) return; // a fragment loaded into a page
  window.liveReloadStarted = true;
  const script = document.currentScript;
  const madeWith = JSON.parse(script.dataset.madeWith); // {server, change}
  const workerUrl = new URL("worker.js", script.src);
  // One connection for all tabs; a dedicated worker where SharedWorker is
  // missing (one connection per tab there).
  const port = window.SharedWorker
    ? new SharedWorker(workerUrl, { name: "livereload" }).port
    : new Worker(workerUrl);

  port.onmessage = ({ data }) => {
    if (data.event === "css") {
      madeWith.change = data.change;
      swapStylesheets(data.paths);
    } else if (data.event === "reload" || data.server !== madeWith.server) {
      reload();
    } else if (data.change > madeWith.change) {
      reload(); // a template changed while this page loaded
    }
  };
  // Off while in the back/forward cache; back with what it missed.
  addEventListener("pagehide", () => port.postMessage("bye"));
  addEventListener("pageshow", ({ persisted }) => {
    if (persisted) port.postMessage("hello");
  });

  function reload() {
    // The answer to a form post is opened anew, never posted again.
    if (script.dataset.method === "GET") location.reload();
    else location.replace(location.href);
  }

  function swapStylesheets(paths) {
    const links = [...document.querySelectorAll('link[rel~="stylesheet"]')];
    const changed = links.filter((link) => {
      const path = new URL(link.href).pathname;
      return paths.some((changedPath) => path.endsWith(`/${changedPath}`));
    });
    if (changed.length === 0) return reload(); // not one of its links
    for (const link of changed) {
      const fresh = link.cloneNode();
      const url = new URL(link.href);
      url.searchParams.set("livereload", Date.now());
      fresh.href = url.href;
      // The old sheet goes once the new one applies: no flash of no style.
      fresh.addEventListener("load", () => link.remove(), { once: true });
      fresh.addEventListener("error", () => link.remove(), { once: true });
      link.after(fresh);
    }
  }
})();
