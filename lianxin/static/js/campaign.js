// The public video page: count a view when the player first plays (one POST, the page's CSRF token).
// A link-only video is counted by its button, a plain form, so that needs no script.
(function () {
  "use strict";
  var box = document.getElementById("video");
  var player = box && box.querySelector("video");
  var token = box && box.querySelector("[name=csrfmiddlewaretoken]");
  if (!player || !token) return;
  player.addEventListener("play", function () {
    fetch(box.dataset.viewedUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" }
    });
  }, { once: true });
})();
