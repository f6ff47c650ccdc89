// The counter's upload form: drop files onto the zone to fill the file input (the form works without this).
(function () {
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var hint = document.getElementById("drop-hint");
  if (!drop || !input) return;
  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    if (names.length) hint.textContent = names.length + ": " + names.join(", ");
  }
  ["dragenter", "dragover"].forEach(function (kind) {
    drop.addEventListener(kind, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (kind) {
    drop.addEventListener(kind, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
  input.addEventListener("change", show);
})();
