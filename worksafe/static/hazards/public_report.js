/* 随手拍 (hazards/public_report.html), on a phone: the county list follows the chosen city, "使用当前位置" fills in the
   coordinates, and the submit button says it is sending (photos over a slow connection take a while). */
(function () {
  var form = document.getElementById("public-report-form");
  // Only the chosen city's counties (rebuilt rather than hidden: iOS shows hidden options).
  var city = form.querySelector("select[name=city]"), county = form.querySelector("select[name=county]");
  if (city && county) {
    var all = Array.prototype.slice.call(county.options, 1);
    var filter = function () {
      var keep = county.value;
      while (county.options.length > 1) county.remove(1);
      all.forEach(function (o) { if (o.getAttribute("data-city") === city.value) county.add(o); });
      county.value = Array.prototype.some.call(county.options, function (o) { return o.value === keep; }) ? keep : "";
      county.disabled = county.options.length <= 1;
    };
    city.addEventListener("change", filter);
    filter();
  }
  var button = document.getElementById("use-location"), status = document.getElementById("location-status");
  button.addEventListener("click", function () {
    if (!navigator.geolocation || !window.isSecureContext) {
      status.textContent = "当前浏览器无法定位（定位需要 HTTPS 网页），请手动填写具体位置。";
      return;
    }
    status.textContent = "正在获取位置……";
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("input[name=latitude]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=longitude]").value = pos.coords.longitude.toFixed(6);
      status.textContent = "已获取当前位置（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
    }, function (err) {
      status.textContent = err.code === 1 ? "未允许获取位置，请在浏览器设置中允许，或手动填写具体位置。"
        : err.code === 3 ? "获取位置超时，请重试或手动填写具体位置。" : "无法获取位置，请手动填写具体位置。";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
  form.addEventListener("submit", function () {
    var b = document.getElementById("submit-report");
    setTimeout(function () { b.disabled = true; b.textContent = "正在提交……"; }, 0);
  });
})();
