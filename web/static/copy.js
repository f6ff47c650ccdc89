// Copy buttons: copy the text of the element named by data-copy, and say so.
(function () {
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      var text = source.textContent;
      var done = function () {  // said on the button for a moment, and to screen readers through #copy-status
        var label = button.firstChild, was = label.nodeValue, said = button.dataset.done || "Đã sao chép";
        button.dataset.copied = "true"; label.nodeValue = "✓ " + said;
        var status = document.getElementById("copy-status");
        if (status) status.textContent = said + ": " + button.textContent.replace("✓ " + said, "").trim();
        setTimeout(function () { label.nodeValue = was; }, 3000);
      };
      var fallback = function () {
        var area = document.createElement("textarea"); area.value = text; document.body.appendChild(area);
        area.select(); document.execCommand("copy"); document.body.removeChild(area); done();
      };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); }
      else { fallback(); }
    });
  });
})();
