/* What every portal page does with script: the nav as a menu at phone width, and wide cards reachable by keyboard.
   Loaded in <head> without defer, so the page is marked as scripted before its first paint (a phone never flashes
   the full nav); without script the nav simply wraps and nothing else is lost. */
document.documentElement.classList.add("js");

function setUpMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  };
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

/* A card whose content is wider than the screen scrolls sideways inside it; one with nothing focusable inside
   (a table, a chart) could then not be scrolled from the keyboard: give it a tab stop while, and only while, it
   scrolls. */
function markScrollingCards() {
  for (const box of document.querySelectorAll(".card, .table-scroll, .scroll")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollStop = "";
      }
    } else if ("scrollStop" in box.dataset) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollStop;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpMenu();
  markScrollingCards();
  let pending = null;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(markScrollingCards);
  });
});
