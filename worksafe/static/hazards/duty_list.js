/* 企业查报状态管理 (hazards/duty_list.html): a bulk action names what it will change and asks first; with nothing
   ticked it says so instead of submitting. The form's data-filtered is the number of filtered enterprises. */
document.addEventListener("submit", function (e) {
  if (e.target.id !== "bulk-form") return;
  const all = e.target.querySelector("[name=all_filtered]").checked;
  const ticked = e.target.querySelectorAll("input[name=pk]:checked").length;
  const action = e.submitter ? e.submitter.textContent.trim() : "批量操作";
  const what = all ? "全部筛选结果（" + e.target.dataset.filtered + " 家企业）" : ticked + " 家勾选的企业";
  if (!all && !ticked) { e.preventDefault(); alert("请先勾选企业，或勾选“全部筛选结果”。"); return; }
  if (!confirm("对" + what + "执行“" + action + "”？")) e.preventDefault();
});
