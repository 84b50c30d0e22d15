// smops deal desk form: the discount as the rep types, and a live "Who will approve" panel.
// Whenever a field changes (debounced), the form is POSTed to the preview view, which routes the terms through
// the approval matrix without saving anything; the panel shows its steps, approvers and problems. The server
// stays the judge: this only shows, early, what submitting would do.
(function () {
  "use strict";
  var DEBOUNCE_MS = 350;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(input) {
    if (!input || input.value.trim() === "") return null;
    var value = Number(input.value.replace(/,/g, ""));
    return isFinite(value) ? value : null;
  }

  function showDiscount(form, out) {
    var list = number(form.elements.list_amount);
    var net = number(form.elements.net_amount);
    out.classList.remove("bad");
    if (list === null || net === null || list <= 0) {
      out.textContent = "";
      return;
    }
    var percent = Math.round(((list - net) * 100 / list) * 100) / 100;
    if (net > list) {
      out.textContent = "The net amount is above the list amount.";
      out.classList.add("bad");
    } else if (percent >= 100) {
      out.textContent = "100 % off is not a deal: the net amount must be above 0.";
      out.classList.add("bad");
    } else {
      out.textContent = percent.toFixed(2) + " % off list";
    }
  }

  function toggleCustomTerms(form) {
    var custom = form.querySelector(".custom-terms");
    if (custom) custom.hidden = form.elements.payment_terms.value !== "custom";
  }

  function renderRoute(body, data) {
    body.replaceChildren();
    if (!data.steps.length) {
      body.append(el("p", "route-ok", "Within policy: no approval needed. It is approved as soon as you submit."));
      return;
    }
    var list = el("ol", "route preview-route");
    data.steps.forEach(function (step) {
      var item = el("li", "route-step" + (step.problems.length ? " step-problem" : ""));
      var head = el("div", "step-head");
      head.append(el("span", "step-number", String(step.position)), el("strong", "", step.name));
      if (step.approvers.length > 1) head.append(el("span", "sub", step.mode_label));
      item.append(head);
      var slots = el("ul", "slots");
      step.approvers.forEach(function (approver) {
        var slot = el("li", "slot");
        slot.append(el("span", "slot-label", approver.label));
        if (approver.kind === "group" && approver.candidates.length) {
          slot.append(" ", el("span", "sub", "any of: " + approver.candidates.join(", ")));
        }
        slots.append(slot);
      });
      item.append(slots);
      list.append(item);
    });
    body.append(list);
    if (data.problems.length) {
      var problems = el("div", "problems");
      problems.append(el("strong", "", "Submitting would be refused:"));
      var ul = el("ul");
      data.problems.forEach(function (problem) { ul.append(el("li", "", problem)); });
      problems.append(ul);
      body.append(problems);
    }
  }

  function renderRefusal(body, data) {
    body.replaceChildren();
    var text = data.label ? data.label + ": " + data.message : data.message;
    body.append(el("p", "preview-wait", "To see the route, fix this first — " + text));
  }

  function init(form) {
    var body = document.getElementById("preview-body");
    var discount = document.getElementById("discount-live");
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var timer = null;
    var sent = 0;

    function preview() {
      var data = new FormData(form);
      data.delete("attachment");
      var mine = ++sent;
      body.classList.add("loading");
      fetch(form.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (json) { return { ok: response.ok, json: json }; });
        })
        .then(function (result) {
          if (mine !== sent) return; // an answer to an older version of the form
          body.classList.remove("loading");
          if (result.ok) renderRoute(body, result.json);
          else renderRefusal(body, result.json);
          form.dispatchEvent(new CustomEvent("deal-preview", { detail: result.json }));
        })
        .catch(function () {
          if (mine !== sent) return;
          body.classList.remove("loading");
          body.replaceChildren(el("p", "preview-wait", "The preview is not available right now; submitting still checks the route."));
        });
    }

    function changed(event) {
      if (event.target && event.target.type === "file") return;
      showDiscount(form, discount);
      toggleCustomTerms(form);
      clearTimeout(timer);
      timer = setTimeout(preview, DEBOUNCE_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    showDiscount(form, discount);
    toggleCustomTerms(form);
    preview();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("deal-form");
    if (form && form.dataset.previewUrl) init(form);
  });
})();
