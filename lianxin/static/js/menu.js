/* On a phone, a main menu of more than MENU_SHOWN + 1 entries folds: its first MENU_SHOWN links
   (and the current page's) stay, the rest wait behind a "More" button that unfolds them. Without
   script, or on a wide screen, every link shows. */
(function () {
  "use strict";
  var MENU_SHOWN = 5;
  var nav = document.getElementById("main-menu");
  if (!nav || !window.matchMedia) return;
  var links = nav.querySelectorAll("a");
  if (links.length <= MENU_SHOWN + 1) return;
  var narrow = window.matchMedia("(max-width: 39.99rem)");
  for (var i = MENU_SHOWN; i < links.length; i++) links[i].classList.add("menu-extra");
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "menu-toggle";
  toggle.setAttribute("aria-controls", "main-menu");
  nav.appendChild(toggle);
  function show(folded) {
    nav.classList.toggle("folded", folded);
    toggle.textContent = folded ? nav.dataset.more + " (" + (links.length - MENU_SHOWN) + ")" : nav.dataset.less;
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
  }
  function fit() {
    toggle.hidden = !narrow.matches;
    show(narrow.matches);
  }
  toggle.addEventListener("click", function () { show(!nav.classList.contains("folded")); });
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
  fit();
})();
