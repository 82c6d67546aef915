/* Item-by-item checks on a phone (includes/check_result.html: hazard checks, risk patrols). Each item's card shows
   the chosen answer; the bad answer (不符合, 未落实) makes the item's note required (the server checks it too);
   #checked-count and #failed-count, where the page has them, count the answers. */
(function () {
  const groups = document.querySelectorAll("[data-check-result]");
  if (!groups.length) return;
  const form = groups[0].closest("form");

  function count(id, n) {
    const el = document.getElementById(id);
    if (el) el.textContent = n;
  }

  function update() {
    let checked = 0, failed = 0;
    groups.forEach((group) => {
      const card = group.closest(".card");
      const chosen = group.querySelector("input.btn-check:checked");
      const value = chosen ? chosen.value : "";
      const ok = value === group.dataset.ok, bad = value === group.dataset.bad;
      if (value) checked += 1;
      if (bad) failed += 1;
      card.classList.toggle("border-success", ok);
      card.classList.toggle("border-danger", bad);
      card.querySelector("textarea").required = bad;
      card.querySelector(".note-required").hidden = !bad;
    });
    count("checked-count", checked);
    count("failed-count", failed);
  }

  form.addEventListener("change", update);
  update();
})();
