// The admin's export page: import-export's "Select all" checkbox calls its handler from an inline onchange
// attribute, which the Content-Security-Policy refuses; this attaches the same handler from a file.
(function () {
  "use strict";
  document.querySelectorAll(".select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", window.onSelectToggleChange);
  });
})();
