// Registration tables (registrations/form.html): repeating groups get blocks added from their <template>;
// fields with data-when show only while the field they depend on has one of the given values; long option
// lists (重点监管危险化学品) can be filtered by typing; an optional single choice can be cleared.
(function () {
  const form = document.querySelector(".registration-form");
  if (!form) return;
  const scopeOf = (el) => el.closest(".reg-block") || form;

  function valuesOf(scope, key) {
    const wrapper = [...scope.querySelectorAll(`[data-key="${key}"]`)].find((w) => scopeOf(w) === scope);
    if (!wrapper || wrapper.hidden) return [];
    return [...wrapper.querySelectorAll("input:checked")].map((i) => i.value);
  }

  function refresh() {
    form.querySelectorAll(".reg-picked").forEach((el) => {
      const picked = [...el.parentElement.querySelectorAll(".reg-options input:checked")].map((i) => i.value);
      el.textContent = picked.length ? `已选：${picked.join("、")}` : "未选择";
    });
    form.querySelectorAll("[data-when]").forEach((el) => {
      const when = JSON.parse(el.dataset.when);
      const scope = scopeOf(el.parentElement);
      el.hidden = !Object.entries(when).every(([key, wanted]) => valuesOf(scope, key).some((v) => wanted.includes(v)));
    });
  }

  form.querySelectorAll(".reg-group").forEach((group) => {
    const total = form.querySelector(`input[name="${group.dataset.prefix}-TOTAL_FORMS"]`);
    group.querySelector(".reg-add").addEventListener("click", () => {
      const n = Number(total.value);
      const html = group.querySelector("template.reg-empty").innerHTML.replaceAll("__prefix__", n);
      group.querySelector(".reg-blocks").insertAdjacentHTML("beforeend", html);
      const title = group.querySelector(".reg-blocks").lastElementChild.querySelector(".reg-block-title");
      title.textContent = title.textContent.replace("新", `第${n + 1}个`);
      total.value = n + 1;
      refresh();
    });
  });

  form.addEventListener("click", (event) => {
    if (!event.target.classList.contains("reg-clear")) return;
    event.target.closest(".reg-field").querySelectorAll("input[type=radio]").forEach((i) => { i.checked = false; });
    refresh();
  });
  form.addEventListener("change", refresh);
  form.addEventListener("input", (event) => {
    if (!event.target.classList.contains("reg-filter")) return;
    const words = event.target.value.trim().toLowerCase();
    event.target.nextElementSibling.querySelectorAll("label").forEach((label) => {
      label.hidden = words && !label.textContent.toLowerCase().includes(words);
    });
  });
  refresh();
})();
