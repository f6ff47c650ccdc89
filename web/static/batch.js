// Live progress of a batch from the API's server-sent events (the session cookie authenticates the GET):
// pages advance each document's bar, documents update their state; when the batch ends the page reloads
// to show thumbnails, verdicts and rescan reasons rendered by the server (also when it only awaits signatures or
// the station's choice for a paper scanned again).
(function () {
  var live = document.getElementById("live");
  if (!live || live.dataset.finished === "true" || !window.EventSource) return;
  var labels = JSON.parse(live.dataset.labels || "{}");  // states and steps in the page's language
  function label(key) { return labels[key] || key; }
  var notes = JSON.parse(live.dataset.waitingNotes || "{}");  // why a running document waits, by its `waiting`
  var source = new EventSource("/api/v1/batches/" + encodeURIComponent(live.dataset.batch) + "/events");
  source.addEventListener("page", function (e) {
    var data = JSON.parse(e.data);
    var bar = document.getElementById("progress-" + data.index);
    if (bar) { bar.max = data.total; bar.value = data.done; }
  });
  source.addEventListener("document", function (e) {
    var data = JSON.parse(e.data);
    var section = document.getElementById("doc-" + data.index);
    if (!section) return;
    var status = section.querySelector(".doc-status");
    if (status) { status.textContent = label(data.status) + (data.step && data.status === "running" ? " (" + label("step-" + data.step) + ")" : ""); status.dataset.status = data.status; }
    var batch = document.getElementById("batch-status");  // the API sends no batch event when work starts
    if (batch && batch.dataset.status === "queued" && data.status === "running") {
      batch.textContent = label("running"); batch.dataset.status = "running";
    }
    var note = section.querySelector(".doc-note");  // why a running document waits (TSA/OCSP, a fault, a full disk)
    if (note) note.textContent = data.waiting ? "(" + (notes[data.waiting] || notes.retry) + ")" : "";
    if (data.status === "done" || data.status === "failed") {
      var bar = document.getElementById("progress-" + data.index);
      if (bar) bar.value = bar.max;
    }
  });
  source.addEventListener("batch", function (e) {
    var data = JSON.parse(e.data);
    var status = document.getElementById("batch-status");
    if (status) { status.textContent = label(data.status); status.dataset.status = data.status; }
    if (["done", "needs_rescan", "failed", "awaiting_signature", "awaiting_choice"].indexOf(data.status) >= 0) {
      source.close();
      window.location.reload();
    }
  });
})();
