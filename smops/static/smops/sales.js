// smops sales pages: tick SLA countdowns down once a minute while their clocks count (working time only).
// The server renders each countdown correctly; this only keeps an open page from going stale. `data-tick-for`
// is how many seconds of unbroken working time lie ahead, so a countdown freezes where counting stops.
// On My leads htmx also fetches the cells again every minute (a lead accepted, paused or breached meanwhile) and
// swaps them in: each countdown ticks from the moment it arrived, with the page or in such a refresh.
(function () {
  "use strict";
  var arrived = new WeakMap();

  function since(el) {
    if (!arrived.has(el)) arrived.set(el, Date.now());
    return arrived.get(el);
  }

  function stamp(root) {
    if (root.matches && root.matches("[data-countdown]")) since(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-countdown]").forEach(since);
  }

  function hoursMinutes(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (rest < 10 ? "0" : "") + rest + " min";
  }

  function render(el) {
    var tickFor = parseFloat(el.dataset.tickFor || "0");
    if (el.hasAttribute("data-paused") || !(tickFor > 0)) return;
    var elapsed = Math.min((Date.now() - since(el)) / 1000, tickFor);
    var left = parseFloat(el.dataset.left) - elapsed;
    var over = left <= 0;
    var cue = over || el.hasAttribute("data-breached") ? "red" : left <= parseFloat(el.dataset.amber) ? "amber" : "green";
    el.textContent = over ? hoursMinutes(-left) + " over" : hoursMinutes(left) + " left";
    el.className = "countdown cue-" + cue;
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(render);
  }

  stamp(document);
  document.addEventListener("htmx:load", function (event) {
    stamp(event.target);
  });
  setInterval(tick, 60 * 1000);
})();
