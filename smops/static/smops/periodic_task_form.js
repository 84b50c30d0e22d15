// The admin's periodic task form: show a crontab's readable translation under the field when one is picked.
// django-celery-beat ships this as an inline script, which the Content-Security-Policy refuses.
(function () {
  "use strict";
  var $ = django.jQuery;
  var readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  var help = $(".field-crontab .help");
  var original = help.text();

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var translation = readable[$("#id_crontab").val()];
    var line = document.createTextNode("Translation: " + translation);
    help.empty().append(document.createTextNode(original), $("<br>"), line);
  });
})();
