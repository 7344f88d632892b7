// The public portal (/): leave a message, track it and rate the reply, the 部门回应 column, the
// FAQ self-service search with suggestions, and the public statistics when the server has them.
// Everything goes through the JSON API; data is inserted as text only.

import {
  $, ApiError, announce, api, append, charCount, clear, debounce, describeError, el, facts,
  fmtTime, highlighted, isMissingRoute, setFieldError, setFormError, timeEl,
} from "./common.js";

// ---------------------------------------------------------------- leave a message (留言)

const TITLE_MAX = 100;
const BODY_MAX = 10000;

const form = $("#message-form");
const inputs = {
  title: $("#m-title"),
  body: $("#m-body"),
  location: $("#m-location"),
  "contact.name": $("#m-name"),
  "contact.phone": $("#m-phone"),
  "contact.email": $("#m-email"),
  publish_consent: $("#m-consent"),
};

/** Chinese messages for the server's field errors (its own messages are in English). */
const SERVER_FIELD_MESSAGES = {
  title: "请填写标题(不超过 100 字,不能含控制字符)。",
  body: "请填写留言内容:需要有文字,不超过 10000 字。",
  location: "事发地点不超过 200 字。",
  "contact.name": "姓名不超过 50 字。",
  "contact.phone": "请填写正确的电话号码(5 到 20 位数字,可含 + - ( ) 和空格)。",
  "contact.email": "请填写正确的电子邮箱地址。",
  publish_consent: "请选择是否同意公开。",
};

function validateMessage() {
  const errors = {};
  const title = inputs.title.value.trim();
  const body = inputs.body.value.trim();
  if (!title) errors.title = "请填写留言标题。";
  else if (charCount(title) > TITLE_MAX) errors.title = `标题不能超过 ${TITLE_MAX} 字。`;
  if (!body) errors.body = "请填写留言内容。";
  else if (charCount(body) > BODY_MAX) errors.body = `留言内容不能超过 ${BODY_MAX} 字。`;
  const phone = inputs["contact.phone"].value.trim();
  if (phone) {
    const digits = (phone.match(/\d/g) || []).length;
    if (!/^[\d +\-()]+$/.test(phone) || digits < 5 || digits > 20) {
      errors["contact.phone"] = SERVER_FIELD_MESSAGES["contact.phone"];
    }
  }
  const email = inputs["contact.email"].value.trim();
  if (email && !/^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$/.test(email)) {
    errors["contact.email"] = SERVER_FIELD_MESSAGES["contact.email"];
  }
  return errors;
}

function showFieldErrors(errors) {
  let first = null;
  for (const [field, input] of Object.entries(inputs)) {
    setFieldError(input, errors[field]);
    if (errors[field] && !first) first = input;
  }
  return first;
}

function updateBodyCount() {
  const n = charCount(inputs.body.value);
  $("#m-body-count").textContent = n ? `已输入 ${n} / ${BODY_MAX} 字` : "";
}
inputs.body.addEventListener("input", debounce(updateBodyCount, 300));

// A field's error goes away as soon as it is corrected.
for (const input of Object.values(inputs)) {
  input.addEventListener("change", () => {
    if (input.getAttribute("aria-invalid") === "true") {
      const field = Object.keys(inputs).find((k) => inputs[k] === input);
      setFieldError(input, validateMessage()[field]);
    }
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const formError = $("#m-form-error");
  setFormError(formError, "");
  const errors = validateMessage();
  const first = showFieldErrors(errors);
  if (first) {
    setFormError(formError, `有 ${Object.keys(errors).length} 处需要修改,请查看标红的项目。`);
    first.focus();
    return;
  }
  const value = (k) => inputs[k].value.trim() || undefined;
  const contact = { name: value("contact.name"), phone: value("contact.phone"), email: value("contact.email") };
  const payload = {
    title: value("title"),
    body: value("body"),
    channel: "web",
    location: value("location"),
    publish_consent: inputs.publish_consent.checked,
  };
  if (contact.name || contact.phone || contact.email) payload.contact = contact;
  const button = $("#m-submit");
  button.disabled = true;
  button.textContent = "正在提交…";
  try {
    const receipt = await api("POST", "/api/v1/messages", { body: payload });
    showReceipt(receipt);
  } catch (err) {
    if (err instanceof ApiError && err.field && inputs[err.field]) {
      showFieldErrors({ [err.field]: SERVER_FIELD_MESSAGES[err.field] || err.message });
      setFormError(formError, "提交未成功:有 1 处需要修改,请查看标红的项目。");
      inputs[err.field].focus();
    } else {
      setFormError(formError, `提交未成功:${describeError(err)}`);
    }
  } finally {
    button.disabled = false;
    button.textContent = "提交留言";
  }
});

function showReceipt(receipt) {
  form.hidden = true;
  $("#receipt-ack").textContent = receipt.acknowledgement || "您反映的问题已受理。";
  $("#receipt-number").textContent = receipt.case_number;
  $("#receipt-code").textContent = receipt.tracking_code;
  $("#receipt").hidden = false;
  $("#receipt-h").focus();
}

$("#receipt-track").addEventListener("click", () => {
  $("#t-code").value = $("#receipt-code").textContent;
  track();
  $("#track").scrollIntoView();
  $("#t-code").focus();
});

$("#receipt-again").addEventListener("click", () => {
  form.reset();
  updateBodyCount();
  showFieldErrors({});
  $("#receipt").hidden = true;
  form.hidden = false;
  inputs.title.focus();
});

// ---------------------------------------------------------------- track and rate (办理查询, 评价)

const CODE_ALPHABET = /^[23456789ABCDEFGHJKMNPQRSTUVWXY]{12}$/;
const trackInput = $("#t-code");
const trackResult = $("#track-result");

function normalisedCode() {
  return trackInput.value.replace(/[\s-]/g, "").toUpperCase();
}

$("#track-form").addEventListener("submit", (event) => {
  event.preventDefault();
  track();
});

async function track() {
  const code = normalisedCode();
  if (!CODE_ALPHABET.test(code)) {
    setFieldError(trackInput, "查询码是 12 位字母和数字(不含 0、O、1、I、L),请检查后重新输入。");
    trackInput.focus();
    return;
  }
  setFieldError(trackInput, "");
  clear(trackResult).append(el("p", { class: "hint", text: "正在查询…" }));
  try {
    const view = await api("GET", `/api/v1/track/${encodeURIComponent(code)}`);
    renderTrack(code, view);
  } catch (err) {
    clear(trackResult);
    if (err instanceof ApiError && err.status === 404) {
      setFieldError(trackInput, "没有找到这个查询码对应的留言,请核对后重试。");
    } else {
      setFieldError(trackInput, describeError(err));
    }
    trackInput.focus();
  }
}

function renderTrack(code, view, thanks) {
  clear(trackResult);
  const box = el("article", { class: "panel", "aria-labelledby": "track-title" });
  box.append(
    el("h3", { id: "track-title", text: view.title }),
    facts([
      ["案件编号", el("span", { class: "code", text: view.case_number })],
      ["办理状态", el("strong", { id: "track-status", text: view.status_name })],
      ["留言时间", timeEl(view.received_at)],
      ["承办单位", view.department],
      ["答复期限", view.reply_due ? timeEl(view.reply_due) : null],
      ["最近更新", timeEl(view.updated_at)],
    ]),
  );
  if (view.merged) {
    box.append(el("p", { class: "notice", text: "您的留言与其他群众反映的同一问题已合并办理(并单),答复将一并发布。" }));
  }
  if (view.reply) {
    box.append(
      el("h4", { text: "部门答复" }),
      el("p", { class: "meta" }, "答复时间:", timeEl(view.reply.replied_at)),
      el("div", { class: "text-block", id: "track-reply", text: view.reply.text }),
    );
  } else {
    box.append(el("p", { class: "hint", text: "部门正在办理,答复发布后会显示在这里。" }));
  }
  if (thanks) box.append(el("p", { class: "notice", role: "status", text: thanks }));
  if (view.satisfaction) {
    box.append(el("p", {}, "您的评价:", el("strong", { id: "track-satisfaction", text: view.satisfaction })));
  }
  if (view.can_rate) box.append(ratingForm(code));
  trackResult.append(box);
}

function ratingForm(code) {
  const f = el("form", { id: "rating-form", novalidate: true });
  const choices = el("div", { class: "choices" });
  for (const [i, value] of ["满意", "基本满意", "不满意"].entries()) {
    const id = `rate-${i}`;
    choices.append(
      el("label", { for: id },
        el("input", { type: "radio", id, name: "satisfaction", value, "aria-describedby": "rate-error" }),
        value),
    );
  }
  const comment = el("textarea", { id: "rate-comment", rows: 3, maxlength: 1000 });
  const error = el("p", { id: "rate-error", class: "error", role: "alert", hidden: true });
  const button = el("button", { type: "submit", text: "提交评价" });
  f.append(
    el("fieldset", {}, el("legend", { text: "您对答复满意吗?" }), choices),
    el("div", { class: "field" },
      el("label", { for: "rate-comment" }, "意见 ", el("span", { class: "optional", text: "(选填,不超过 1000 字)" })),
      comment),
    error,
    button,
  );
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = f.querySelector("input[name=satisfaction]:checked");
    if (!chosen) {
      setFormError(error, "请选择满意、基本满意或不满意。");
      f.querySelector("input[name=satisfaction]").focus();
      return;
    }
    setFormError(error, "");
    button.disabled = true;
    try {
      const view = await api("POST", `/api/v1/track/${encodeURIComponent(code)}/rating`, {
        body: { satisfaction: chosen.value, comment: comment.value.trim() || undefined },
      });
      const thanks = chosen.value === "不满意" && view.status === "in_progress"
        ? "感谢您的评价。您的留言已退回承办单位重新办理。"
        : "感谢您的评价!";
      renderTrack(code, view, thanks);
    } catch (err) {
      button.disabled = false;
      setFormError(error, `评价未提交:${describeError(err)}`);
    }
  });
  return f;
}

// ---------------------------------------------------------------- 部门回应 (published replies)

const REPLIES_PER_PAGE = 10;
let repliesPage = 1;

async function loadReplies(page, announceIt = false) {
  const status = $("#replies-status");
  try {
    const data = await api("GET", `/api/public/replies?page=${page}&per_page=${REPLIES_PER_PAGE}`);
    repliesPage = data.page;
    const pages = Math.max(1, Math.ceil(data.total / data.per_page));
    const list = clear($("#replies-list"));
    for (const item of data.items) list.append(replyItem(item));
    $("#replies-page").textContent = `第 ${data.page} / ${pages} 页,共 ${data.total} 条`;
    $("#replies-prev").disabled = data.page <= 1;
    $("#replies-next").disabled = data.page >= pages;
    $("#replies-prev").closest("nav").hidden = data.total === 0;
    const text = data.total === 0 ? "暂无公开的部门回应。" : `第 ${data.page} 页,共 ${data.total} 条。`;
    if (announceIt || data.total === 0) announce(status, text);
  } catch (err) {
    announce(status, `部门回应加载失败:${describeError(err)}`);
  }
}

function replyItem(item) {
  return el("li", {},
    el("h3", { text: item.title }),
    el("p", { class: "meta" },
      el("span", {}, "留言 ", timeEl(item.received_at, true)),
      item.department ? el("span", { text: `答复单位:${item.department}` }) : null,
      el("span", {}, "答复 ", timeEl(item.replied_at, true)),
      item.satisfaction ? el("span", { text: `评价:${item.satisfaction}` }) : null),
    el("p", { class: "preview", text: preview(item.reply) }),
    el("details", {}, el("summary", { text: "查看完整答复" }), el("div", { class: "text-block", text: item.reply })),
    el("details", {}, el("summary", { text: "查看留言内容" }), el("div", { class: "text-block", text: item.body })),
  );
}

/** The reply's first 80 characters, so the column stays short; the whole text is one click away. */
function preview(text) {
  const chars = Array.from(String(text || "").replace(/\s+/g, " ").trim());
  return chars.length > 80 ? `答复:${chars.slice(0, 80).join("")}…` : `答复:${chars.join("")}`;
}

$("#replies-prev").addEventListener("click", () => loadReplies(repliesPage - 1, true));
$("#replies-next").addEventListener("click", () => loadReplies(repliesPage + 1, true));

// ---------------------------------------------------------------- FAQ search with suggestions

const faqInput = $("#faq-q");
const suggestList = $("#faq-suggest");
const faqStatus = $("#faq-status");
let suggestions = [];
let active = -1;
let suggestSeq = 0;

function closeSuggestions() {
  suggestList.hidden = true;
  clear(suggestList);
  faqInput.setAttribute("aria-expanded", "false");
  faqInput.removeAttribute("aria-activedescendant");
  suggestions = [];
  active = -1;
}

function showSuggestions(items) {
  suggestions = items;
  active = -1;
  clear(suggestList);
  faqInput.removeAttribute("aria-activedescendant");
  if (!items.length) {
    closeSuggestions();
    return;
  }
  items.forEach((text, i) => {
    suggestList.append(el("li", {
      id: `faq-opt-${i}`,
      role: "option",
      "aria-selected": "false",
      text,
      on: {
        // mousedown (not click) so the input keeps focus and the list is not closed first.
        mousedown: (e) => {
          e.preventDefault();
          choose(i);
        },
      },
    }));
  });
  suggestList.hidden = false;
  faqInput.setAttribute("aria-expanded", "true");
}

function highlight(i) {
  const options = suggestList.querySelectorAll("[role=option]");
  options.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
  active = i;
  if (i >= 0) {
    faqInput.setAttribute("aria-activedescendant", options[i].id);
    options[i].scrollIntoView({ block: "nearest" });
  } else {
    faqInput.removeAttribute("aria-activedescendant");
  }
}

function choose(i) {
  faqInput.value = suggestions[i];
  closeSuggestions();
  searchFaq();
}

const fetchSuggestions = debounce(async () => {
  const q = faqInput.value.trim();
  const seq = ++suggestSeq;
  if (!q) {
    closeSuggestions();
    return;
  }
  try {
    const data = await api("GET", `/api/public/faq/suggest?q=${encodeURIComponent(q)}&limit=8`);
    // An answer to an older keystroke must not replace a newer one.
    if (seq === suggestSeq && document.activeElement === faqInput) showSuggestions(data.suggestions || []);
  } catch {
    if (seq === suggestSeq) closeSuggestions();
  }
}, 200);

faqInput.addEventListener("input", fetchSuggestions);
faqInput.addEventListener("keydown", (e) => {
  const open = !suggestList.hidden && suggestions.length > 0;
  if (e.key === "ArrowDown" && open) {
    e.preventDefault();
    highlight((active + 1) % suggestions.length);
  } else if (e.key === "ArrowUp" && open) {
    e.preventDefault();
    highlight(active <= 0 ? suggestions.length - 1 : active - 1);
  } else if (e.key === "Enter" && open && active >= 0) {
    e.preventDefault();
    choose(active);
  } else if (e.key === "Escape" && open) {
    e.preventDefault();
    closeSuggestions();
  }
});
faqInput.addEventListener("blur", () => setTimeout(closeSuggestions, 100));

$("#faq-form").addEventListener("submit", (e) => {
  e.preventDefault();
  fetchSuggestions.cancel();
  suggestSeq++;
  closeSuggestions();
  searchFaq();
});

async function searchFaq() {
  const q = faqInput.value.trim();
  const results = clear($("#faq-results"));
  if (!q) {
    announce(faqStatus, "请输入要搜索的问题。");
    faqInput.focus();
    return;
  }
  announce(faqStatus, "正在搜索…");
  try {
    const data = await api("GET", `/api/public/faq/search?q=${encodeURIComponent(q)}`);
    for (const hit of data.hits) results.append(faqHit(hit));
    announce(faqStatus, data.total
      ? `找到 ${data.total} 条相关内容${data.total > data.hits.length ? `,显示前 ${data.hits.length} 条` : ""}。`
      : "没有找到相关内容,您可以在上方直接留言。");
  } catch (err) {
    if (isMissingRoute(err) || (err instanceof ApiError && err.status === 503)) {
      announce(faqStatus, "常见问题检索暂不可用,请稍后再试,或直接留言。");
    } else if (err instanceof ApiError && err.field === "q") {
      announce(faqStatus, "请换个说法,多写几个关键词再搜索。");
    } else {
      announce(faqStatus, `搜索失败:${describeError(err)}`);
    }
  }
}

function faqHit(hit) {
  const kind = hit.kind === "faq" ? "常见问题" : "部门回应";
  return el("li", {},
    el("h3", {}, el("span", { class: "badge suggested", text: kind }), " ", hit.title),
    hit.unit ? el("p", { class: "meta", text: `答复单位:${hit.unit}` }) : null,
    hit.snippet_html ? append(el("p", { class: "snippet" }), highlighted(hit.snippet_html)) : null,
    el("details", {}, el("summary", { text: hit.kind === "faq" ? "查看解答" : "查看答复" }),
      el("div", { class: "text-block", text: hit.answer })),
  );
}

// ---------------------------------------------------------------- public statistics (数据公开)

const pct = (r) => (typeof r === "number" ? `${(r * 100).toFixed(1)}%` : "—");
const days = (d) => (typeof d === "number" ? d.toFixed(1) : "—");

function statsTable(caption, firstHeader, rows, label) {
  const table = el("table", { class: "stats-table" }, el("caption", { text: caption }));
  const head = el("tr");
  for (const h of [firstHeader, "留言", "已答复", "答复率", "平均答复用时(工作日)"]) head.append(el("th", { scope: "col", text: h }));
  const tbody = el("tbody");
  for (const r of rows) {
    tbody.append(el("tr", {},
      el("th", { scope: "row", text: label(r) }),
      el("td", { text: r.received.toLocaleString("zh-CN") }),
      el("td", { text: r.replied.toLocaleString("zh-CN") }),
      el("td", { text: pct(r.reply_rate) }),
      el("td", { text: days(r.mean_reply_working_days) })));
  }
  table.append(el("thead", {}, head), tbody);
  // Wide tables scroll inside their box on a phone, not the page.
  return el("div", { class: "table-box", tabindex: "0", role: "region", "aria-label": caption }, table);
}

async function loadStats() {
  let data;
  try {
    data = await api("GET", "/api/public/stats?months=12");
  } catch {
    // Not on this server (404) or failing: the section stays hidden.
    return;
  }
  if (!data || !data.total) return;
  const t = data.total;
  const figure = (value, label) => el("p", { class: "stat" },
    el("span", { class: "value", text: value }), el("span", { class: "label", text: label }));
  const body = clear($("#stats-body"));
  body.append(
    el("p", { class: "hint" }, `统计期间:${data.from_month} 至 ${data.to_month},更新于 `, fmtTime(data.as_of)),
    el("div", { class: "stats" },
      figure(t.received.toLocaleString("zh-CN"), "收到留言"),
      figure(t.replied.toLocaleString("zh-CN"), "已答复"),
      figure(pct(t.reply_rate), "答复率"),
      figure(days(t.mean_reply_working_days), "平均答复用时(工作日)")),
  );
  const months = (data.by_month || []).filter((m) => m.received > 0).reverse();
  if (months.length) {
    body.append(el("details", {}, el("summary", { text: "按月份" }), statsTable("各月留言办理情况", "月份", months, (m) => m.month)));
  }
  if ((data.by_unit || []).length) {
    body.append(el("details", {}, el("summary", { text: "按承办单位" }), statsTable("各单位办理情况", "承办单位", data.by_unit, (u) => u.unit)));
  }
  $("#stats").hidden = false;
  $("#stats-nav").hidden = false;
}

loadReplies(1);
loadStats();
