// The signature pad: draw with a finger or a mouse on the canvas; the PNG goes in the hidden field on submit.
(function () {
  "use strict";
  var pad = document.getElementById("pad");
  if (!pad) return;
  var ctx = pad.getContext("2d");
  var drawing = false, drawn = false;
  ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
  function point(e) {
    var r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
  }
  pad.addEventListener("pointerdown", function (e) {
    drawing = true; pad.setPointerCapture(e.pointerId);
    var p = point(e); ctx.beginPath(); ctx.moveTo(p.x, p.y); e.preventDefault();
  });
  pad.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e); ctx.lineTo(p.x, p.y); ctx.stroke(); drawn = true; e.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
    pad.addEventListener(t, function () { drawing = false; });
  });
  document.getElementById("clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, pad.width, pad.height); drawn = false;
  });
  document.getElementById("sign-form").addEventListener("submit", function () {
    document.getElementById("signature").value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
