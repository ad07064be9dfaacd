// Keyboard-driven review: j/k move, Enter opens, n next case, c claim, 1-4 pick a decision,
// ? shows the keys. Nothing here is needed to use the console: every action is a plain form.
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf");
  if (csrf) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": csrf }));
  }
  function rows() {
    var r = document.querySelectorAll("tr.row");
    return r.length ? r : document.querySelectorAll("li.msg");
  }
  var current = -1;
  function select(i) {
    var list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (el) { el.classList.remove("selected"); });
    list[current].classList.add("selected");
    list[current].scrollIntoView({ block: "nearest" });
  }
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    var key = e.key;
    if (key === "j") { select(current + 1); e.preventDefault(); }
    else if (key === "k") { select(current - 1); e.preventDefault(); }
    else if (key === "Enter" && current >= 0) {
      var row = rows()[current];
      if (row && row.dataset.href) { window.location = row.dataset.href; e.preventDefault(); }
    }
    else if (key === "n") { if (click("[data-key='n']")) e.preventDefault(); }
    else if (key === "c") { if (click("[data-key='c']")) e.preventDefault(); }
    else if (/^[1-4]$/.test(key)) {
      var radio = document.querySelector("input[data-key='" + key + "']");
      if (radio) { radio.checked = true; var note = document.getElementById("note"); if (note) note.focus(); e.preventDefault(); }
    }
    else if (key === "?") {
      window.alert("j / k: next / previous\nEnter: open\nn: next case\nc: claim\n1 no violation, 2 confirm and act, 3 escalate, 4 report\nthen write the note and press Record decision");
    }
  });
})();
