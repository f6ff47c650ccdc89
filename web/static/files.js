// File inputs made by the _file_pick.html macro: the button and the "no file chosen" line in the page's language
// (the browser's own say "Choose File" in English); the line names what was chosen. Without this script the native
// input shows as it is.
(function () {
  function chosen(input) {
    var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    if (!names.length) return input.dataset.none;
    return names.length === 1 ? names[0] : names.length + " " + input.dataset.many + ": " + names.join(", ");
  }
  Array.prototype.forEach.call(document.querySelectorAll(".file-pick"), function (pick) {
    var input = pick.querySelector(".file-input");
    var line = pick.querySelector(".file-chosen");
    if (!input || !line) return;
    function show() { line.textContent = chosen(input); }
    input.addEventListener("change", show);
    show();
    pick.classList.add("files-ready");
  });
})();
