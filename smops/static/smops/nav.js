/* The site nav as a menu at phone width: the Menu button opens and closes it (smops.css hides it until then).
   Loaded in <head> without defer, so the page is marked as scripted before its first paint; without script,
   the nav simply wraps. */
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  const close = () => {
    toggle.setAttribute("aria-expanded", "false");
    menu.classList.remove("open");
  };
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      close();
      toggle.focus();
    }
  });
});
