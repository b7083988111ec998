// Live progress of a factdesk job: follows the job's server-sent events, marks each stage
// as it starts and finishes (adding the steps of a whole text as they come), then opens
// the report (or reloads to show the error).
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

  // A whole text's steps ("claim 3") are not known in advance: each gets its item as it
  // starts. Text goes in with textContent only, so a claim's words never become markup.
  function stageItem(stage) {
    var items = box.querySelectorAll("li[data-stage]");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-stage") === stage) {
        return items[i];
      }
    }
    var item = document.createElement("li");
    item.setAttribute("data-stage", stage);
    var name = document.createElement("span");
    name.className = "stage-name";
    name.textContent = stage;
    var note = document.createElement("span");
    note.className = "stage-note";
    item.appendChild(name);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(note);
    box.querySelector("ol.stages").appendChild(item);
    return item;
  }

  source.addEventListener("stage", function (message) {
    var event = JSON.parse(message.data);
    var item = stageItem(event.stage);
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
