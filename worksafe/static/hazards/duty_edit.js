/* 查报设置 (hazards/duty_edit.html): the pause fields show only for 暂不上报. */
(function () {
  function sync() {
    const paused = document.querySelector("input[name=paused][value='1']").checked;
    document.querySelectorAll(".pause-field").forEach(el => el.classList.toggle("d-none", !paused));
  }
  document.querySelectorAll("input[name=paused]").forEach(r => r.addEventListener("change", sync));
  sync();
})();
