/* 风险事件 form (risks/node_form.html, kind "event"): shows the factors of the chosen method and previews D / R and the
   level from the band limits in the page's #risk-bands block; the server computes what is stored. */
(function () {
  const bands = JSON.parse(document.getElementById("risk-bands").textContent);
  const form = document.querySelector("form[data-kind=event]");
  const groups = {lec: ["lec_l", "lec_e", "lec_c"], ls: ["ls_l", "ls_s"], direct: ["level", "reason"]};
  const box = (name) => form.elements[name] && form.elements[name].closest(".mb-3");
  const num = (name) => parseFloat(form.elements[name].value);
  function level(value, list) { for (const [lower, lv] of list) { if (value >= lower) return lv; } return list[list.length - 1][1]; }
  function update() {
    const method = (form.querySelector("input[name=method]:checked") || {}).value;
    for (const [m, names] of Object.entries(groups)) names.forEach((n) => { const b = box(n); if (b) b.hidden = m !== method; });
    const preview = document.getElementById("grade-preview");
    let text = "", lv = null;
    if (method === "lec" && groups.lec.every((n) => form.elements[n].value)) {
      const d = Math.round(num("lec_l") * num("lec_e") * num("lec_c") * 100) / 100;
      lv = level(d, bands.lec); text = `D = ${num("lec_l")} × ${num("lec_e")} × ${num("lec_c")} = ${d}`;
    } else if (method === "ls" && groups.ls.every((n) => form.elements[n].value)) {
      const r = num("ls_l") * num("ls_s"); lv = level(r, bands.ls); text = `R = ${num("ls_l")} × ${num("ls_s")} = ${r}`;
    }
    preview.hidden = !lv;
    if (lv) preview.innerHTML = `${text}，<span class="badge bg-${bands.colors[lv]} text-${bands.colors[lv]}-fg">${bands.labels[lv]}</span>`;
  }
  form.addEventListener("change", update);
  update();
})();
