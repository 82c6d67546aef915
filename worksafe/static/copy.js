/* Copy buttons: <button data-copy="#id" data-copy-status="#id" data-copied="已复制" data-manual="已选中，请按 Ctrl+C 复制">.
   The clipboard API where the page is a secure context; otherwise the text is selected (and execCommand tried). */
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var text = document.querySelector(button.dataset.copy), status = document.querySelector(button.dataset.copyStatus);
  var value = function () { return text.textContent.trim(); };
  var say = function (message) { if (status) status.textContent = message.replace("{value}", value()); };
  button.addEventListener("click", function () {
    var done = function () { say(button.dataset.copied || "已复制"); };
    var manual = function () { say(button.dataset.manual || "已选中，请按 Ctrl+C 复制"); };
    function select() {
      var range = document.createRange();
      range.selectNodeContents(text);
      var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      try { document.execCommand("copy") ? done() : manual(); } catch (e) { manual(); }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value()).then(done, select);
    } else { select(); }
  });
});
