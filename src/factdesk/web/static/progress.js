// Live progress of a factdesk job: follows the job's server-sent events, marks each stage
// as it starts and finishes, then opens the report (or reloads to show the error).
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.EventSource) {
    return;
  }
  var status = box.querySelector(".job-status");
  var words = { queued: "Waiting for a free worker…", running: "Working…" };
  var source = new EventSource(box.getAttribute("data-events"));

  source.addEventListener("status", function (message) {
    var data = JSON.parse(message.data);
    box.className = "progress status-" + data.status;
    if (words[data.status]) {
      status.textContent = words[data.status];
    }
  });

  source.addEventListener("stage", function (message) {
    var event = JSON.parse(message.data);
    var item = box.querySelector('li[data-stage="' + event.stage + '"]');
    if (!item) {
      return;
    }
    item.className = event.state;
    if (event.state === "finished") {
      var note = event.note ? event.note + " " : "";
      item.querySelector(".stage-note").textContent = note + "(" + event.seconds.toFixed(1) + " s)";
    }
  });

  source.addEventListener("end", function (message) {
    var end = JSON.parse(message.data);
    source.close();
    if (end.status === "done" && end.url) {
      status.textContent = "Done: opening the report…";
      window.location.assign(end.url);
    } else {
      window.location.reload();
    }
  });
})();
