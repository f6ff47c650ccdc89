// The counter's upload form: drop files onto the zone to fill the file input (the form works without this); the
// input's "change" tells files.js, which names what was chosen.
(function () {
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  if (!drop || !input) return;
  ["dragenter", "dragover"].forEach(function (kind) {
    drop.addEventListener(kind, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (kind) {
    drop.addEventListener(kind, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      input.dispatchEvent(new Event("change"));
    }
  });
})();
