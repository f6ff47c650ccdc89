// Copy buttons: copy the text of the element named by data-copy, and say so.
(function () {
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      var text = source.textContent;
      var done = function () { button.dataset.copied = "true"; button.setAttribute("aria-label", "Đã sao chép"); };
      var fallback = function () {
        var area = document.createElement("textarea"); area.value = text; document.body.appendChild(area);
        area.select(); document.execCommand("copy"); document.body.removeChild(area); done();
      };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); }
      else { fallback(); }
    });
  });
})();
