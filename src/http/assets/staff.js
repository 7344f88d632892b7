// The staff console (/staff): login, the queue, case search and the case page with triage,
// workflow actions, the draft reply, similar cases and the audit timeline. It shows only the
// actions the signed-in role may take in the case's state (the server decides anyway).
// The session token lives in sessionStorage: it ends with the browser tab.

import {
  $, ApiError, announce, api, append, clear, describeError, el, facts, fmtTime, highlighted,
  isMissingRoute, setFieldError, setFormError, timeEl,
} from "./common.js";

const TOKEN_KEY = "wenzheng.staff.token";
const session = { token: sessionStorage.getItem(TOKEN_KEY), me: null, choices: null, units: [] };

const ROLE_NAMES = {
  dispatcher: "交办员", handler: "承办人", reviewer: "审核员", leader: "领导",
  supervisor: "督办员", admin: "管理员", citizen: "市民", system: "系统",
};
const ACTION_NAMES = {
  receive: "受理", assign: "交办", accept: "签收", return: "退单", merge: "并单", pause: "挂起",
  resume: "恢复办理", instruct: "批示", report_instruction: "批示反馈", submit_reply: "提交答复",
  reject_reply: "退回修改", publish: "审核发布", merged_reply: "并单答复", rate: "满意度评价",
  close: "办结", reopen: "重新办理", archive: "归档", urge: "催办", escalate: "升级督办",
};
const CHANNEL_NAMES = { web: "网站", wechat: "微信", phone: "电话", email: "电子邮件", letter: "信件" };
const OPEN = ["received", "assigned", "in_progress", "returned", "paused", "pending_review"];
/** Who may take each action from which states (docs/workflow.md); `lead`: a handler only for the lead unit. */
const RULES = {
  assign: { roles: ["dispatcher"], from: ["received", "returned", "assigned"] },
  accept: { roles: ["handler"], lead: true, from: ["assigned"] },
  return: { roles: ["handler"], lead: true, from: ["assigned", "in_progress"] },
  merge: { roles: ["dispatcher"], from: ["received", "returned", "assigned", "in_progress", "paused"] },
  pause: { roles: ["dispatcher", "handler"], lead: true, from: ["assigned", "in_progress"] },
  resume: { roles: ["dispatcher", "handler"], lead: true, from: ["paused"] },
  instruct: { roles: ["leader"], from: OPEN.concat(["replied", "closed"]) },
  report_instruction: { roles: ["dispatcher", "handler"], lead: true, from: OPEN.concat(["replied", "closed"]) },
  submit_reply: { roles: ["handler"], lead: true, from: ["in_progress"] },
  reject_reply: { roles: ["reviewer"], from: ["pending_review"] },
  publish: { roles: ["reviewer"], from: ["pending_review"] },
  close: { roles: ["dispatcher"], from: ["replied"] },
  reopen: { roles: ["dispatcher", "supervisor"], from: ["replied", "closed"] },
  urge: { roles: ["dispatcher", "supervisor", "leader"], from: ["assigned", "in_progress", "paused", "pending_review"] },
  escalate: { roles: ["supervisor"], from: OPEN },
};

function leadUnit(c) {
  const lead = (c.units || []).find((u) => u.role === "主办");
  return lead ? lead.unit : null;
}

function can(action, c) {
  const me = session.me;
  const rule = RULES[action];
  if (!me || !rule || !rule.from.includes(c.status)) return false;
  if (me.role === "admin") return true;
  if (!rule.roles.includes(me.role)) return false;
  if (rule.lead && me.role === "handler") return Boolean(me.unit) && leadUnit(c) === me.unit;
  return true;
}

const canTriage = () => session.me && ["dispatcher", "admin"].includes(session.me.role);

function statusName(code) {
  const s = session.choices && session.choices.statuses.find((x) => x.code === code);
  return s ? s.name : code || "";
}

// ---------------------------------------------------------------- API with the session

async function call(method, path, body) {
  try {
    return await api(method, path, { body, token: session.token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      endSession("登录已失效,请重新登录。");
    }
    throw err;
  }
}

// ---------------------------------------------------------------- views and routing

const VIEWS = ["login-view", "queue-view", "search-view", "faq-view", "case-view"];

function show(view) {
  for (const id of VIEWS) $(`#${id}`).hidden = id !== view;
  const signedIn = view !== "login-view";
  $("#staff-nav").hidden = !signedIn;
  $("#who").hidden = !signedIn;
}

/** Moves focus to the view's heading, so keyboard and screen-reader users start there. */
function focusHeading(selector) {
  const h = $(selector);
  if (!h) return;
  h.setAttribute("tabindex", "-1");
  h.focus();
}

function route() {
  if (!session.me) return;
  const hash = location.hash || "#/";
  const caseMatch = hash.match(/^#\/case\/([0-9]{4}-[0-9]{6,12})$/);
  if (caseMatch) openCase(caseMatch[1]);
  else if (hash.startsWith("#/faq")) {
    show("faq-view");
    fillFaqUnits();
    loadFaqList();
    focusHeading("#faq-h");
  } else if (hash.startsWith("#/search")) {
    show("search-view");
    focusHeading("#search-h");
  } else {
    show("queue-view");
    loadQueue();
  }
}
window.addEventListener("hashchange", route);

// ---------------------------------------------------------------- login

function endSession(message) {
  session.token = null;
  session.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  show("login-view");
  setFormError($("#login-error"), message || "");
  focusHeading("#login-h");
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const user = $("#login-user");
  const password = $("#login-password");
  setFieldError(user, user.value.trim() ? "" : "请输入用户名。");
  setFieldError(password, password.value ? "" : "请输入密码。");
  const formError = $("#login-error");
  setFormError(formError, "");
  if (!user.value.trim()) return user.focus();
  if (!password.value) return password.focus();
  const button = $("#login-submit");
  button.disabled = true;
  try {
    const answer = await api("POST", "/api/v1/login", {
      body: { username: user.value.trim(), password: password.value },
    });
    session.token = answer.token;
    sessionStorage.setItem(TOKEN_KEY, answer.token);
    password.value = "";
    await startSession(answer.user);
  } catch (err) {
    setFormError(formError, err instanceof ApiError && err.status === 401
      ? "用户名或密码不正确。"
      : `登录失败:${describeError(err)}`);
    password.focus();
  } finally {
    button.disabled = false;
  }
});

$("#logout").addEventListener("click", async () => {
  try {
    await call("POST", "/api/v1/logout");
  } catch {
    // The session ends here either way.
  }
  history.replaceState(null, "", "#/");
  endSession("您已退出登录。");
});

async function startSession(me) {
  session.me = me;
  $("#who-name").textContent = `${me.name}(${me.role_name || ROLE_NAMES[me.role] || me.role}${me.unit ? " · " + me.unit : ""})`;
  const [choices, units] = await Promise.all([
    call("GET", "/api/v1/choices"),
    call("GET", "/api/v1/units"),
  ]);
  session.choices = choices;
  session.units = units;
  fillFilterOptions();
  // FAQ administration comes with the search feature: offer it when the server has it.
  try {
    await call("GET", "/api/v1/faq?per_page=1");
    $("#faq-nav").hidden = false;
  } catch {
    $("#faq-nav").hidden = true;
  }
  route();
}

async function boot() {
  if (!session.token) {
    endSession();
    return;
  }
  try {
    const me = await call("GET", "/api/v1/me");
    await startSession(me);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) endSession(`无法连接服务:${describeError(err)}`);
  }
}

// ---------------------------------------------------------------- the queue

let queuePage = 1;

function fillFilterOptions() {
  const status = clear($("#f-status"));
  status.append(el("option", { value: "", text: "全部" }));
  for (const s of session.choices.statuses) status.append(el("option", { value: s.code, text: s.name }));
  const urgency = clear($("#f-urgency"));
  urgency.append(el("option", { value: "", text: "全部" }));
  for (const u of session.choices.urgencies) urgency.append(el("option", { value: u, text: u }));
  const dept = clear($("#f-department"));
  dept.append(el("option", { value: "", text: "全部" }));
  for (const u of session.units) dept.append(el("option", { value: u.name, text: u.active ? u.name : `${u.name}(已停用)` }));
  // A handler's queue is their unit's cases only: the unit filter does not apply.
  $("#f-department").closest(".field").hidden = session.me.role === "handler";
}

$("#queue-filters").addEventListener("submit", (e) => {
  e.preventDefault();
  queuePage = 1;
  loadQueue(true);
});
$("#queue-prev").addEventListener("click", () => { queuePage -= 1; loadQueue(true); });
$("#queue-next").addEventListener("click", () => { queuePage += 1; loadQueue(true); });

async function loadQueue(announceIt = false) {
  const params = new URLSearchParams();
  for (const id of ["status", "urgency", "confirmed", "department", "sort"]) {
    const v = $(`#f-${id}`).value;
    if (v) params.set(id, v);
  }
  params.set("page", String(queuePage));
  params.set("per_page", "20");
  const status = $("#queue-status");
  try {
    const data = await call("GET", `/api/v1/cases?${params}`);
    const list = clear($("#queue-list"));
    for (const c of data.items) list.append(queueItem(c));
    const pages = Math.max(1, Math.ceil(data.total / data.per_page));
    $("#queue-page").textContent = `第 ${data.page} / ${pages} 页,共 ${data.total} 件`;
    $("#queue-prev").disabled = data.page <= 1;
    $("#queue-next").disabled = data.page >= pages;
    const text = data.total ? `共 ${data.total} 件,第 ${data.page} 页。` : "没有符合条件的案件。";
    if (announceIt || !data.total) announce(status, text);
  } catch (err) {
    announce(status, `队列加载失败:${describeError(err)}`);
  }
}

function urgencyBadge(c) {
  const u = c.urgency || c.suggestion.urgency;
  if (!u) return null;
  return el("span", { class: `badge urgent-${u}`, text: c.urgency ? u : `${u}(建议)` });
}

function suggestionLine(c) {
  const s = c.suggestion;
  if (c.confirmed) {
    return el("p", {}, "分拨:", el("strong", { text: c.department || "—" }), ` · ${c.category || ""} · 已确认`);
  }
  const pct = typeof s.confidence === "number" ? `${Math.round(s.confidence * 100)}%` : "—";
  const p = el("p", {},
    el("span", { class: "badge suggested", text: "系统建议" }), " ",
    el("strong", { text: s.department || "—" }),
    ` · ${s.category || ""} · 置信度 ${pct}`,
    s.uncertain ? el("span", { class: "badge urgent-紧急", text: "需人工判断" }) : null);
  if (s.key_terms && s.key_terms.length) {
    p.append(" ", keyTerms(s.key_terms));
  }
  return p;
}

function keyTerms(terms) {
  const ul = el("ul", { class: "terms", "aria-label": "关键词" });
  for (const t of terms) ul.append(el("li", { text: t }));
  return ul;
}

function queueItem(c) {
  return el("li", { class: "case-item" },
    el("h3", {}, el("a", { href: `#/case/${c.case_number}` }, `${c.case_number} ${c.title}`)),
    el("p", { class: "meta" },
      el("span", { class: "badge status", text: c.status_name || statusName(c.status) }),
      urgencyBadge(c),
      c.overdue ? el("span", { class: "badge overdue", text: "已超期" }) : null,
      el("span", {}, "受理 ", timeEl(c.received_at)),
      c.reply_due ? el("span", {}, "答复期限 ", timeEl(c.reply_due)) : null,
      c.deadline_note ? el("span", { text: c.deadline_note }) : null),
    suggestionLine(c));
}

// ---------------------------------------------------------------- search

$("#search-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("#s-q");
  const q = input.value.trim();
  const status = $("#search-status");
  const list = clear($("#search-list"));
  if (!q) {
    setFieldError(input, "请输入关键词。");
    return input.focus();
  }
  setFieldError(input, "");
  announce(status, "正在检索…");
  try {
    const data = await call("GET", `/api/v1/search?${new URLSearchParams({ q, per_page: "20" })}`);
    for (const hit of data.hits) {
      list.append(el("li", {},
        el("h3", {}, el("a", { href: `#/case/${hit.case_number}` }, `${hit.case_number} `, highlighted(hit.title_html))),
        el("p", { class: "meta" },
          el("span", { class: "badge status", text: statusName(hit.status) }),
          hit.unit ? el("span", { text: hit.unit }) : null,
          hit.category ? el("span", { text: hit.category }) : null,
          hit.received_at ? el("span", {}, "受理 ", timeEl(hit.received_at, true)) : null),
        append(el("p", { class: "snippet" }), highlighted(hit.snippet_html))));
    }
    const facets = (data.units || []).slice(0, 5).map((f) => `${f.value} ${f.count}`).join(",");
    announce(status, data.total ? `找到 ${data.total} 件${facets ? `(${facets})` : ""}。` : "没有找到。");
  } catch (err) {
    if (isMissingRoute(err) || (err instanceof ApiError && err.status === 503)) {
      announce(status, "检索暂不可用。");
    } else if (err instanceof ApiError && err.field === "q") {
      setFieldError(input, "请换几个有意义的关键词。");
      announce(status, "");
    } else {
      announce(status, `检索失败:${describeError(err)}`);
    }
  }
});

// ---------------------------------------------------------------- FAQ administration (常见问题)

const faqFields = ["question", "answer", "unit", "tags"];
let editingFaq = null;

function fillFaqUnits() {
  const select = clear($("#fq-unit"));
  select.append(el("option", { value: "", text: "—" }));
  for (const u of session.units.filter((x) => x.active)) select.append(el("option", { value: u.name, text: u.name }));
}

function resetFaqForm() {
  editingFaq = null;
  $("#faq-edit").reset();
  for (const f of faqFields) setFieldError($(`#fq-${f}`), "");
  setFormError($("#fq-error"), "");
  $("#faq-edit-h").textContent = "新增常见问题";
  $("#fq-cancel").hidden = true;
}

function editFaq(item) {
  editingFaq = item.id;
  $("#faq-edit-h").textContent = `编辑常见问题 #${item.id}`;
  $("#fq-question").value = item.question;
  $("#fq-answer").value = item.answer;
  $("#fq-unit").value = item.unit || "";
  $("#fq-tags").value = (item.tags || []).join(",");
  $("#fq-cancel").hidden = false;
  $("#fq-question").focus();
}

$("#fq-cancel").addEventListener("click", resetFaqForm);

$("#faq-edit").addEventListener("submit", async (e) => {
  e.preventDefault();
  const question = $("#fq-question").value.trim();
  const answer = $("#fq-answer").value.trim();
  setFieldError($("#fq-question"), question ? "" : "请填写问题。");
  setFieldError($("#fq-answer"), answer ? "" : "请填写解答。");
  if (!question) return $("#fq-question").focus();
  if (!answer) return $("#fq-answer").focus();
  const body = {
    question,
    answer,
    unit: $("#fq-unit").value || undefined,
    tags: $("#fq-tags").value.split(/[,,、]/).map((t) => t.trim()).filter(Boolean),
  };
  const button = $("#fq-submit");
  button.disabled = true;
  try {
    const saved = editingFaq
      ? await call("PUT", `/api/v1/faq/${editingFaq}`, body)
      : await call("POST", "/api/v1/faq", body);
    resetFaqForm();
    await loadFaqList();
    announce($("#faq-list-status"), `已保存常见问题 #${saved.id},公众检索约一秒后可见。`);
  } catch (err) {
    const input = err instanceof ApiError && err.field ? $(`#fq-${err.field}`) : null;
    if (input) {
      setFieldError(input, err.message);
      input.focus();
    }
    setFormError($("#fq-error"), `保存失败:${describeError(err)}`);
  } finally {
    button.disabled = false;
  }
});

async function loadFaqList() {
  const status = $("#faq-list-status");
  try {
    const data = await call("GET", "/api/v1/faq?per_page=100");
    const list = clear($("#faq-list"));
    for (const item of data.items) {
      const active = item.status === "active";
      const li = el("li", { class: "faq-item" },
        el("h3", {}, `#${item.id} ${item.question} `,
          el("span", { class: "badge status", text: active ? "使用中" : "已停用" })),
        el("p", { class: "meta" },
          item.unit ? el("span", { text: item.unit }) : null,
          (item.tags || []).length ? el("span", { text: `标签:${item.tags.join("、")}` }) : null,
          el("span", {}, `${item.updated_by} 更新于 `, timeEl(item.updated_at))),
        el("details", {}, el("summary", { text: "解答" }), el("div", { class: "text-block", text: item.answer })));
      const row = el("div", { class: "actions-row" },
        el("button", { type: "button", class: "secondary", text: "编辑", on: { click: () => editFaq(item) } }));
      if (active) {
        row.append(el("button", {
          type: "button", class: "secondary", text: "停用",
          on: {
            click: async () => {
              try {
                await call("POST", `/api/v1/faq/${item.id}/retire`);
                await loadFaqList();
                announce(status, `已停用常见问题 #${item.id},不再出现在公众检索中。`);
              } catch (err) {
                announce(status, `停用失败:${describeError(err)}`);
              }
            },
          },
        }));
      }
      li.append(row);
      list.append(li);
    }
    if (!data.total) announce(status, "还没有常见问题。");
  } catch (err) {
    announce(status, isMissingRoute(err) ? "本服务未提供常见问题管理。" : `加载失败:${describeError(err)}`);
  }
}

// ---------------------------------------------------------------- the case page

let currentCase = null;

async function openCase(number) {
  show("case-view");
  const content = clear($("#case-content"));
  content.append(el("p", { class: "hint", text: "正在加载…" }));
  try {
    const c = await call("GET", `/api/v1/cases/${number}`);
    renderCase(c);
    focusHeading("#case-h");
  } catch (err) {
    clear(content).append(
      el("h1", { id: "case-h", text: "无法打开案件" }),
      el("p", { class: "error", role: "alert", text: err instanceof ApiError && err.status === 404 ? `没有案件 ${number},或不属于您的单位。` : describeError(err) }),
    );
    focusHeading("#case-h");
  }
}

function panel(title, id, ...children) {
  const hid = `${id}-h`;
  return el("section", { class: "panel", id, "aria-labelledby": hid }, el("h2", { id: hid, text: title }), ...children);
}

function renderCase(c, message) {
  currentCase = c;
  const content = clear($("#case-content"));
  const status = el("p", { id: "case-status", role: "status", class: message ? "notice" : "visually-hidden" });
  content.append(
    el("h1", { id: "case-h", text: c.title }),
    el("div", { class: "case-head" },
      el("span", { class: "code", text: c.case_number }),
      el("span", { class: "badge status", id: "case-status-name", text: c.status_name || statusName(c.status) }),
      urgencyBadge(c),
      c.overdue ? el("span", { class: "badge overdue", text: "已超期" }) : null),
    status,
  );
  if (message) status.textContent = message;
  const left = el("div");
  const right = el("div");
  content.append(el("div", { class: "case-grid" }, left, right));

  left.append(messagePanel(c));
  if (c.reply_draft || c.reply_text) left.append(replyPanel(c));
  if (can("submit_reply", c) || session.me.role === "admin") left.append(draftPanel(c));
  if ((c.instructions || []).length) left.append(instructionsPanel(c));
  left.append(timelinePanel(c));

  // Triage comes first while it is undecided: the department it confirms is the one assigned.
  // Likely duplicates come before the actions: merging may be the right one.
  const actions = actionsPanel(c);
  if (!c.confirmed) right.append(triagePanel(c));
  if ((c.duplicate_candidates || []).length) right.append(duplicatesPanel(c));
  if (actions) right.append(actions);
  if (c.confirmed) right.append(triagePanel(c));
  right.append(similarPanel(c));
}

function messagePanel(c) {
  const units = (c.units || []).map((u) => `${u.unit}(${u.role})`).join("、");
  return panel("留言", "case-message",
    facts([
      ["受理时间", timeEl(c.received_at)],
      ["渠道", CHANNEL_NAMES[c.channel] || c.channel],
      ["事发地点", c.location],
      ["首次响应期限", c.first_response_due ? timeEl(c.first_response_due) : null],
      ["答复期限", c.reply_due ? timeEl(c.reply_due) : c.deadline_note],
      ["承办单位", units || null],
      ["复杂案件", c.is_complex ? "是(15 个工作日)" : null],
      ["挂起原因", c.status === "paused" ? c.pause_reason : null],
      ["并入", c.merged_into ? el("a", { href: `#/case/${c.merged_into}`, text: c.merged_into }) : null],
      ["并入本案的留言", (c.merged_cases || []).length ? append(el("span"), ...c.merged_cases.flatMap((n, i) => [i ? "、" : "", el("a", { href: `#/case/${n}`, text: n })])) : null],
      ["同意公开", c.publish_consent ? "同意" : "不同意"],
      ["满意度", c.satisfaction ? `${c.satisfaction}${c.satisfaction_comment ? `:${c.satisfaction_comment}` : ""}` : null],
      ["重新办理次数", c.reopen_count ? String(c.reopen_count) : null],
    ]),
    el("div", { class: "text-block", text: c.body }),
    el("h3", { text: "联系方式(仅工作人员可见)" }),
    facts([
      ["姓名", c.contact && c.contact.name || "未留"],
      ["电话", c.contact && c.contact.phone || "未留"],
      ["邮箱", c.contact && c.contact.email],
    ]));
}

function replyPanel(c) {
  const parts = [];
  if (c.reply_text) {
    parts.push(el("p", { class: "meta" }, "已发布 ", timeEl(c.reply_published_at || c.replied_at),
      c.reply_published_by ? ` · 审核人 ${c.reply_published_by}` : ""),
    el("div", { class: "text-block", id: "published-reply", text: c.reply_text }));
  }
  if (c.reply_draft && c.reply_draft !== c.reply_text) {
    parts.push(el("h3", { text: c.status === "pending_review" ? "待审核的答复" : "承办单位提交的答复" }),
      el("p", { class: "meta", text: c.reply_submitted_by ? `提交人 ${c.reply_submitted_by}` : "" }),
      el("div", { class: "text-block", id: "submitted-reply", text: c.reply_draft }));
  }
  return panel("答复", "case-reply", ...parts);
}

function draftPanel(c) {
  const body = el("div", { id: "draft-body" });
  const button = el("button", { type: "button", class: "secondary", id: "draft-load", text: "生成答复草稿" });
  const p = panel("答复草稿", "case-draft",
    el("p", { class: "hint", text: "依据相似案件的答复和本单位的答复格式生成,【待填写】处须由承办人核实填写。" }),
    button, body);
  button.addEventListener("click", async () => {
    button.disabled = true;
    clear(body).append(el("p", { class: "hint", role: "status", text: "正在生成…" }));
    try {
      const d = await call("GET", `/api/v1/cases/${c.case_number}/draft`);
      renderDraft(body, d);
      button.hidden = true;
    } catch (err) {
      button.disabled = false;
      clear(body).append(el("p", { class: "error", role: "alert", text: isMissingRoute(err) ? "本服务未提供答复草稿。" : `草稿生成失败:${describeError(err)}` }));
    }
  });
  return p;
}

function renderDraft(body, d) {
  clear(body);
  body.append(
    facts([["答复单位", d.unit], ["地区", d.place]]),
    el("div", { class: "text-block", id: "draft-text", text: d.draft }),
  );
  if ((d.blanks || []).length) {
    body.append(el("p", { class: "error", text: `待填写:${d.blanks.join("、")}` }));
  }
  const use = el("button", { type: "button", id: "draft-use", text: "用草稿填入答复框" });
  use.addEventListener("click", () => {
    const box = $("#act-submit_reply-text");
    if (box) {
      box.value = d.draft;
      box.focus();
      announce($("#case-status"), "草稿已填入答复框,请核实【待填写】处后提交。");
    }
  });
  if ($("#act-submit_reply-text")) body.append(el("div", { class: "actions-row" }, use));
  if ((d.passages || []).length) {
    const ol = el("ol", { class: "sources" });
    for (const p of d.passages) {
      ol.append(el("li", {}, el("q", { text: p.text }), el("span", { class: "source", text: ` 来源:${p.source_title}(${p.source_id})` })));
    }
    body.append(el("h3", { text: "草稿引用的答复" }), ol);
  }
  if ((d.precedents || []).length) {
    const ul = el("ul", { class: "sources" });
    for (const p of d.precedents) {
      ul.append(el("li", {}, el("strong", { text: p.title }), el("span", { class: "source", text: ` (${p.id})` }),
        el("br"), el("span", { class: "source", text: p.reply_snippet })));
    }
    body.append(el("h3", { text: "相似案件的答复" }), ul);
  }
  if ((d.suggestions || []).length) {
    const details = el("details", {}, el("summary", { text: `可补充的段落(${d.suggestions.length})` }));
    const ol = el("ol", { class: "sources" });
    for (const p of d.suggestions) ol.append(el("li", {}, p.text, el("span", { class: "source", text: ` 来源:${p.source_title}` })));
    details.append(ol);
    body.append(details);
  }
  if (d.notices) {
    const details = el("details", {}, el("summary", { text: "告知书模板(受理、交办、办理进度、办结)" }));
    details.append(facts([
      ["受理告知", d.notices.acknowledgement],
      ["交办告知", d.notices.assignment],
      ["办理进度", d.notices.progress],
      ["办结告知", d.notices.completion],
    ]));
    body.append(details);
  }
}

function instructionsPanel(c) {
  const ol = el("ol", { class: "items" });
  for (const ins of c.instructions) {
    const li = el("li", {},
      el("p", {}, el("strong", { text: `${ins.leader} 批示:` }), ins.text),
      el("p", { class: "meta" }, el("span", {}, "批示时间 ", timeEl(ins.created_at)), el("span", {}, "反馈期限 ", timeEl(ins.due_at))));
    if (ins.report_text) {
      li.append(el("p", {}, el("strong", { text: `${ins.reported_by || ""} 反馈:` }), ins.report_text),
        el("p", { class: "meta" }, "反馈时间 ", timeEl(ins.reported_at)));
    } else if (can("report_instruction", c)) {
      li.append(actionForm(c, "report_instruction", `report-${ins.id}`, "批示反馈", [
        { name: "text", label: "反馈内容", type: "textarea", required: true },
      ], { instruction_id: ins.id }));
    }
    ol.append(li);
  }
  return panel("领导批示", "case-instructions", ol);
}

function timelinePanel(c) {
  const ol = el("ol", { class: "timeline", id: "timeline" });
  for (const e of c.events || []) {
    const change = e.from_status && e.to_status && e.from_status !== e.to_status
      ? `:${statusName(e.from_status)} → ${statusName(e.to_status)}`
      : "";
    ol.append(el("li", {},
      el("span", { class: "when" }, timeEl(e.at)),
      el("strong", { text: ACTION_NAMES[e.action] || e.action }),
      change,
      el("span", { class: "source", text: ` · ${e.actor}(${ROLE_NAMES[e.role] || e.role})` }),
      e.note ? el("div", { class: "event-note", text: e.note }) : null));
  }
  const corrections = c.corrections || [];
  const parts = [ol];
  if (corrections.length) {
    const ul = el("ul", { class: "sources" });
    const fieldNames = { category: "分类", department: "承办单位", request_type: "诉求类型", urgency: "紧急程度" };
    for (const r of corrections) {
      ul.append(el("li", {}, timeEl(r.at), ` ${r.actor} ${r.kind === "override" ? "更正" : "确认"}${fieldNames[r.field] || r.field}:${r.old_value || "—"} → ${r.new_value || "—"}${r.note ? `(${r.note})` : ""}`));
    }
    parts.push(el("h3", { text: "分拨确认记录" }), ul);
  }
  return panel("办理记录", "case-timeline", ...parts);
}

// ---------------------------------------------------------------- triage (分拨)

function triagePanel(c) {
  const s = c.suggestion;
  const pct = typeof s.confidence === "number" ? `${Math.round(s.confidence * 100)}%` : "—";
  const parts = [
    el("h3", { text: "系统建议" }),
    facts([
      ["分类", s.category],
      ["承办单位", s.department],
      ["置信度", `${pct}${s.uncertain ? "(需人工判断)" : ""}`],
      ["关键词", (s.key_terms || []).length ? keyTerms(s.key_terms) : null],
      ["诉求类型", s.request_type],
      ["紧急程度", s.urgency],
      ["模型版本", s.model_version],
    ]),
  ];
  if (c.confirmed) {
    parts.push(el("h3", { text: "已确认" }), facts([
      ["分类", c.category], ["承办单位", c.department], ["诉求类型", c.request_type], ["紧急程度", c.urgency],
      ["确认人", c.confirmed_by], ["确认时间", c.confirmed_at ? timeEl(c.confirmed_at) : null],
    ]));
  }
  if (canTriage()) parts.push(triageForm(c));
  return panel("分拨", "case-triage", ...parts);
}

function selectField(id, label, options, selected) {
  const select = el("select", { id, "aria-describedby": `${id}-error` });
  for (const [value, text] of options) select.append(el("option", { value, text }));
  select.value = selected || "";
  return el("div", { class: "field" }, el("label", { for: id, text: label }), select,
    el("p", { id: `${id}-error`, class: "error", hidden: true }));
}

function triageForm(c) {
  const s = c.suggestion;
  const current = {
    category: c.category || s.category || "",
    request_type: c.request_type || s.request_type || "",
    urgency: c.urgency || s.urgency || "",
  };
  const ch = session.choices;
  const f = el("form", { id: "triage-form", novalidate: true },
    el("h3", { text: c.confirmed ? "更正分拨" : "确认或更正" }),
    selectField("tr-category", "分类(决定承办单位)",
      [["", "—"], ...ch.categories.map((x) => [x.category, `${x.category} → ${x.department}`])], current.category),
    selectField("tr-request_type", "诉求类型", [["", "—"], ...ch.request_types.map((x) => [x, x])], current.request_type),
    selectField("tr-urgency", "紧急程度", [["", "—"], ...ch.urgencies.map((x) => [x, x])], current.urgency),
    el("div", { class: "field" }, el("label", { for: "tr-note", text: "备注(选填)" }),
      el("input", { type: "text", id: "tr-note", maxlength: 1000 })),
    el("p", { id: "tr-error", class: "error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "tr-submit", text: c.confirmed ? "保存更正" : "确认分拨" }));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    // Omitted fields confirm the current value; only what staff changed is sent as a value.
    const body = {};
    for (const k of ["category", "request_type", "urgency"]) {
      const v = $(`#tr-${k}`).value;
      if (v && v !== current[k]) body[k] = v;
    }
    const note = $("#tr-note").value.trim();
    if (note) body.note = note;
    await submit(f, $("#tr-error"), `/api/v1/cases/${c.case_number}/triage`, body, "分拨已确认。", "tr-");
  });
  return f;
}

// ---------------------------------------------------------------- workflow actions

/**
 * A form for one action. `fields`: {name, label, type: text|textarea|select|number|checkbox|units,
 * required, options, value, hint}. `extra` is merged into the body.
 */
function actionForm(c, action, id, submitLabel, fields, extra = {}) {
  const prefix = `act-${id}-`;
  const f = el("form", { class: "action-form", id: `act-${id}`, novalidate: true });
  f.append(el("h3", { text: ACTION_NAMES[action] || submitLabel }));
  for (const field of fields) f.append(fieldFor(prefix, field));
  const error = el("p", { id: `${prefix}error`, class: "error", role: "alert", hidden: true });
  f.append(error, el("button", { type: "submit", id: `${prefix}submit`, text: submitLabel }));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { ...extra };
    let firstMissing = null;
    for (const field of fields) {
      const input = document.getElementById(`${prefix}${field.name}`);
      let v;
      if (field.type === "checkbox") v = input.checked;
      else if (field.type === "units") v = [...input.querySelectorAll("input:checked")].map((x) => x.value);
      else if (field.type === "number") v = input.value ? Number(input.value) : undefined;
      else v = input.value.trim() || undefined;
      if (field.required && v === undefined) {
        setFieldError(input, `请填写${field.label}。`);
        firstMissing = firstMissing || input;
      } else if (field.type !== "units" && field.type !== "checkbox") {
        setFieldError(input, "");
      }
      if (v !== undefined && !(Array.isArray(v) && !v.length)) body[field.name] = v;
    }
    if (firstMissing) {
      setFormError(error, "请填写标红的项目。");
      firstMissing.focus();
      return;
    }
    if (action === "assign" && body.co_units) body.co_units = body.co_units.filter((u) => u !== body.lead_unit);
    await submit(f, error, `/api/v1/cases/${c.case_number}/actions/${action}`, body,
      `已${ACTION_NAMES[action] || submitLabel}。`, prefix);
  });
  return f;
}

function fieldFor(prefix, field) {
  const id = `${prefix}${field.name}`;
  const errorId = `${id}-error`;
  const error = el("p", { id: errorId, class: "error", hidden: true });
  const label = el("label", { for: id }, field.label, field.required ? "" : el("span", { class: "optional", text: "(选填)" }));
  if (field.type === "checkbox") {
    return el("div", { class: "field" },
      el("label", { class: "check", for: id }, el("input", { type: "checkbox", id }), el("span", { text: field.label })));
  }
  if (field.type === "units") {
    const box = el("fieldset", { id, class: "co-units" }, el("legend", { text: field.label }));
    for (const [i, u] of field.options.entries()) {
      const cid = `${id}-${i}`;
      box.append(el("label", { class: "check", for: cid }, el("input", { type: "checkbox", id: cid, value: u }), el("span", { text: u })));
    }
    return box;
  }
  let input;
  if (field.type === "textarea") {
    input = el("textarea", { id, rows: field.rows || 4, "aria-describedby": errorId, maxlength: field.max || 10000 });
    if (field.value) input.value = field.value;
  } else if (field.type === "select") {
    input = el("select", { id, "aria-describedby": errorId });
    for (const [value, text] of field.options) input.append(el("option", { value, text }));
    input.value = field.value || "";
  } else {
    input = el("input", {
      type: field.type === "number" ? "number" : "text", id, "aria-describedby": errorId,
      value: field.value, placeholder: field.placeholder, min: field.min, max: field.maxValue,
      inputmode: field.type === "number" ? "numeric" : undefined,
    });
  }
  return el("div", { class: "field" }, label, input,
    field.hint ? el("p", { class: "hint", text: field.hint }) : null, error);
}

async function submit(form, error, path, body, done, prefix) {
  const button = form.querySelector("button[type=submit]");
  setFormError(error, "");
  button.disabled = true;
  try {
    const c = await call("POST", path, body);
    renderCase(c, done);
    focusHeading("#case-h");
  } catch (err) {
    button.disabled = false;
    const input = err instanceof ApiError && err.field
      ? document.getElementById(`${prefix}${err.field}`) || document.getElementById(`${prefix}text`)
      : null;
    if (input && err.status === 422) {
      setFieldError(input, err.message);
      setFormError(error, "请修改标红的项目。");
      input.focus();
    } else {
      setFormError(error, describeError(err));
    }
  }
}

function actionsPanel(c) {
  const forms = [];
  const activeUnits = session.units.filter((u) => u.active).map((u) => u.name);
  const noteField = { name: "note", label: "备注", type: "text" };
  if (can("accept", c)) forms.push(actionForm(c, "accept", "accept", "签收", [noteField]));
  if (can("assign", c)) {
    const lead = c.department || c.suggestion.department || "";
    forms.push(actionForm(c, "assign", "assign", c.status === "received" ? "交办" : "改派", [
      { name: "lead_unit", label: "主办单位", type: "select", required: true, value: lead,
        options: [["", "请选择"], ...activeUnits.map((u) => [u, u])] },
      { name: "co_units", label: "协办单位(选填)", type: "units", options: activeUnits },
      { name: "complex", label: "复杂案件(答复期限 15 个工作日)", type: "checkbox" },
      noteField,
    ]));
  }
  if (can("submit_reply", c)) {
    forms.push(actionForm(c, "submit_reply", "submit_reply", "提交审核", [
      { name: "text", label: "答复内容", type: "textarea", required: true, rows: 10, value: c.reply_draft || "" },
    ]));
  }
  if (can("publish", c)) forms.push(actionForm(c, "publish", "publish", "审核通过并发布", [noteField]));
  if (can("reject_reply", c)) {
    forms.push(actionForm(c, "reject_reply", "reject_reply", "退回修改", [
      { name: "reason", label: "退回原因", type: "textarea", required: true, max: 1000 },
    ]));
  }
  if (can("return", c)) {
    forms.push(actionForm(c, "return", "return", "退单", [
      { name: "reason", label: "退单理由", type: "textarea", required: true, max: 1000, hint: "例如:不属于本单位职责,建议交由某某单位办理。" },
    ]));
  }
  if (can("merge", c)) {
    forms.push(actionForm(c, "merge", "merge", "并单", [
      { name: "main_case", label: "并入的主案件编号", type: "text", required: true, placeholder: "例如 2026-000123", hint: "同一事项的留言并入主案件,由主案件统一答复。" },
      noteField,
    ]));
  }
  if (can("pause", c)) {
    forms.push(actionForm(c, "pause", "pause", "挂起", [
      { name: "reason", label: "挂起原因", type: "textarea", required: true, max: 1000, hint: "挂起期间答复期限暂停计算。" },
    ]));
  }
  if (can("resume", c)) forms.push(actionForm(c, "resume", "resume", "恢复办理", [noteField]));
  if (can("instruct", c)) {
    forms.push(actionForm(c, "instruct", "instruct", "批示", [
      { name: "text", label: "批示内容", type: "textarea", required: true, max: 1000 },
      { name: "due_working_days", label: "反馈期限(工作日)", type: "number", min: 1, maxValue: 60, placeholder: "默认 3" },
    ]));
  }
  if (can("close", c)) forms.push(actionForm(c, "close", "close", "办结", [noteField]));
  if (can("reopen", c)) {
    forms.push(actionForm(c, "reopen", "reopen", "重新办理", [
      { name: "reason", label: "原因", type: "textarea", required: true, max: 1000 },
    ]));
  }
  if (can("urge", c)) forms.push(actionForm(c, "urge", "urge", "催办", [noteField]));
  if (can("escalate", c)) forms.push(actionForm(c, "escalate", "escalate", "升级督办", [noteField]));
  if (!forms.length) return null;
  return panel("办理", "case-actions", ...forms);
}

function duplicatesPanel(c) {
  const ul = el("ul", { class: "items" });
  for (const d of c.duplicate_candidates) {
    const li = el("li", {},
      el("a", { href: `#/case/${d.case_number}` }, `${d.case_number} ${d.title}`),
      el("p", { class: "meta" }, el("span", { text: `相似度 ${Math.round(d.similarity * 100)}%` }),
        el("span", { class: "badge status", text: statusName(d.status) })));
    if (can("merge", c) && OPEN.includes(d.status)) {
      li.append(el("button", {
        type: "button", class: "secondary", text: "并入此案",
        on: {
          click: () => {
            const input = $("#act-merge-main_case");
            input.value = d.case_number;
            input.focus();
            announce($("#case-status"), `已填入主案件编号 ${d.case_number},请确认后提交并单。`);
          },
        },
      }));
    }
    ul.append(li);
  }
  return panel("疑似重复留言", "case-duplicates",
    el("p", { class: "hint", text: "内容高度相似的留言,可能是同一事项,可以并单办理。" }), ul);
}

function similarPanel(c) {
  const body = el("div", {}, el("p", { class: "hint", text: "正在查找…" }));
  const p = panel("相似案件", "case-similar", body);
  call("GET", `/api/v1/cases/${c.case_number}/similar?limit=5`).then((items) => {
    clear(body);
    if (!items.length) {
      body.append(el("p", { class: "hint", text: "没有相似案件。" }));
      return;
    }
    const ul = el("ul", { class: "items" });
    for (const s of items) {
      ul.append(el("li", {},
        el("a", { href: `#/case/${s.case_number}` }, `${s.case_number} ${s.title}`),
        el("p", { class: "meta" },
          el("span", { text: `相似度 ${Math.round(s.similarity * 100)}%` }),
          s.unit ? el("span", { text: s.unit }) : null,
          el("span", { class: "badge status", text: statusName(s.status) }))));
    }
    body.append(ul);
  }).catch((err) => {
    if (isMissingRoute(err)) p.hidden = true;
    else clear(body).append(el("p", { class: "hint", text: `相似案件暂不可用:${describeError(err)}` }));
  });
  return p;
}

boot();
