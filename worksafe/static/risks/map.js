/* 风险四色图: open a unit's risks on click; for the enterprise's users, place a unit by choosing it and clicking the plan.
 * Markers sit at (x, y) fractions of the plan's width and height, as CSS percentages of the plan's box. */
(function () {
  "use strict";
  var map = document.getElementById("risk-map");
  if (!map) return;
  var plan = map.querySelector(".risk-map-plan");
  var hint = document.getElementById("place-hint");
  var placeUrl = map.dataset.placeUrl;  // ".../units/0/place/" (editors only)
  var selected = null;                  // the list item of the unit being placed

  function marker(id) { return map.querySelector('.risk-marker[data-unit="' + id + '"]'); }

  function closeAll(except) {
    map.querySelectorAll(".risk-marker.open").forEach(function (m) { if (m !== except) m.classList.remove("open"); });
  }

  function say(text, kind) {
    if (!hint) return;
    hint.textContent = text;
    hint.className = "card-body py-2 border-bottom small d-print-none" + (kind ? " text-" + kind + " fw-bold" : "");
  }

  function select(item) {
    if (selected) selected.classList.remove("active");
    selected = item;
    closeAll();
    if (!item) {
      map.classList.remove("placing");
      say(hint ? hint.dataset.idle : "");
      return;
    }
    item.classList.add("active");
    map.classList.add("placing");
    say("正在标注“" + item.dataset.name + "”：在平面图上点击它的位置（按 Esc 取消）。", "primary");
    if (map.getBoundingClientRect().top < 0 || map.getBoundingClientRect().top > window.innerHeight / 2) {
      map.scrollIntoView({behavior: "smooth", block: "start"});
    }
  }

  function place(item, x, y) {
    var id = item.dataset.unitItem;
    var body = new FormData();
    body.append("x", x.toFixed(4));
    body.append("y", y.toFixed(4));
    fetch(placeUrl.replace("/0/", "/" + id + "/"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": map.dataset.csrf, "Accept": "application/json"}
    }).then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
      .then(function (res) {
        if (!res.ok || !res.data.ok) { say(res.data.error || "标注失败，请重试。", "danger"); return; }
        show(item, res.data.x, res.data.y);
        select(null);
        say(res.data.message + "。", "success");
      })
      .catch(function () { say("标注失败：网络错误，请重试。", "danger"); });
  }

  function show(item, x, y) {
    var id = item.dataset.unitItem;
    var m = marker(id);
    if (!m) {
      var tpl = item.querySelector("template[data-marker-template]");
      if (!tpl) { window.location.reload(); return; }
      m = tpl.content.firstElementChild.cloneNode(true);
      m.removeAttribute("data-template-unit");
      m.setAttribute("data-unit", id);
      map.appendChild(m);
      tpl.remove();
    }
    m.style.left = (x * 100).toFixed(2) + "%";
    m.style.top = (y * 100).toFixed(2) + "%";
    m.classList.toggle("flip-x", x > 0.6);
    m.classList.toggle("flip-y", y < 0.4);
    var button = item.querySelector("[data-select-unit]");
    if (button) button.textContent = "移动";
    var clear = item.querySelector("[data-clear-form]");
    if (clear) clear.hidden = false;
    item.querySelectorAll(".unit-coords input").forEach(function (input) {
      input.value = (input.name === "x" ? x : y);
    });
    var placed = document.getElementById("placed-units");
    if (placed && item.parentElement !== placed) placed.appendChild(item);
    count();
  }

  function count() {
    var n = {placed: document.querySelectorAll("#placed-units [data-unit-item]").length,
             unplaced: document.querySelectorAll("#unplaced-units [data-unit-item]").length};
    document.querySelectorAll("[data-count]").forEach(function (el) { el.textContent = n[el.dataset.count]; });
  }

  map.addEventListener("click", function (event) {
    if (selected) {
      var box = plan.getBoundingClientRect();
      var x = (event.clientX - box.left) / box.width, y = (event.clientY - box.top) / box.height;
      if (x < 0 || x > 1 || y < 0 || y > 1) return;
      place(selected, x, y);
      return;
    }
    var m = event.target.closest(".risk-marker");
    if (m && !event.target.closest("a")) {
      closeAll(m);
      m.classList.toggle("open");
    } else if (!m) {
      closeAll();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select-unit]");
    if (button) {
      var item = button.closest("[data-unit-item]");
      select(selected === item ? null : item);
      return;
    }
    if (!map.contains(event.target)) closeAll();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { select(null); closeAll(); }
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("risk-marker")) {
      event.preventDefault();
      closeAll(event.target);
      event.target.classList.toggle("open");
    }
  });

  // The side list points at its marker.
  document.querySelectorAll("[data-unit-item]").forEach(function (item) {
    item.addEventListener("mouseenter", function () { var m = marker(item.dataset.unitItem); if (m) m.classList.add("highlight"); });
    item.addEventListener("mouseleave", function () { var m = marker(item.dataset.unitItem); if (m) m.classList.remove("highlight"); });
  });
})();
