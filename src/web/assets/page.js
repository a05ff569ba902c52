// 手続ナビ, progressive parts only: the page works without this script.
// - the "other nationality" code field shows only when "other" is chosen;
// - the QR codes can be shown one at a time, full screen, with the screen kept awake.
// Inlined and allowed by its hash in the Content-Security-Policy. Stores nothing.
(function () {
  "use strict";
  var ja = document.documentElement.lang !== "en";
  document.querySelectorAll("input[data-other-of]").forEach(function (input) {
    var select = document.querySelector('select[name="' + input.name.replace(/nat_other$/, "nat") + '"]');
    var field = input.closest(".field");
    if (!select || !field) return;
    var sync = function () { field.hidden = select.value !== "other"; };
    select.addEventListener("change", sync);
    sync();
  });
  var codes = document.getElementById("codes");
  if (!codes) return;
  var figures = codes.querySelectorAll("figure.qr");
  if (!figures.length) return;
  var open = document.createElement("button");
  open.type = "button";
  open.className = "primary";
  open.textContent = ja ? "1枚ずつ大きく表示" : "Show one code at a time";
  codes.insertBefore(open, figures[0]);
  var viewer = null, index = 0, lock = null;
  function show(i) {
    index = (i + figures.length) % figures.length;
    var holder = viewer.querySelector(".holder");
    holder.replaceChildren(figures[index].cloneNode(true));
  }
  function button(text, fn) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text;
    b.addEventListener("click", fn);
    return b;
  }
  function close() {
    if (viewer) { viewer.remove(); viewer = null; }
    if (lock) { lock.release().catch(function () {}); lock = null; }
    open.focus();
  }
  open.addEventListener("click", function () {
    viewer = document.createElement("div");
    viewer.className = "viewer";
    viewer.setAttribute("role", "dialog");
    var holder = document.createElement("div");
    holder.className = "holder";
    holder.addEventListener("click", function () { show(index + 1); });
    var bar = document.createElement("div");
    bar.className = "bar";
    bar.append(
      button(ja ? "前へ" : "Previous", function () { show(index - 1); }),
      button(ja ? "次へ" : "Next", function () { show(index + 1); }),
      button(ja ? "閉じる" : "Close", close)
    );
    viewer.append(holder, bar);
    document.body.append(viewer);
    show(0);
    bar.children[1].focus();
    if (navigator.wakeLock) {
      navigator.wakeLock.request("screen").then(function (l) { lock = l; }).catch(function () {});
    }
  });
  document.addEventListener("keydown", function (e) {
    if (!viewer) return;
    if (e.key === "Escape") close();
    else if (e.key === "ArrowRight") show(index + 1);
    else if (e.key === "ArrowLeft") show(index - 1);
  });
})();
