// Shared by the portal and the staff console: the JSON API client, DOM helpers that only ever
// insert text (never markup), time formatting in China Standard Time, and small utilities.

/** An error answer of the API: `{error: {code, message, field}}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.retryAfter = retryAfter || null;
  }
}

/**
 * Calls the API. `body` is sent as JSON; `token` as a bearer token. Answers the parsed JSON
 * (null for 204) or throws ApiError (status 0 when the network failed).
 */
export async function api(method, path, { body, token } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "网络连接失败,请检查网络后重试。");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(
      response.status,
      e.code || "http_" + response.status,
      e.message || `请求失败 (${response.status})`,
      e.field,
      response.headers.get("retry-after"),
    );
  }
  return data;
}

/** True when the error means the route itself does not exist on this server (a feature not installed). */
export function isMissingRoute(err) {
  return err instanceof ApiError && err.status === 404 && /^no route for /.test(err.message);
}

/**
 * Creates an element. `attrs`: `class`, `text` (textContent), `for`, `hidden`, `on` ({event: fn}),
 * `dataset`, any other attribute via setAttribute (false/null/undefined skip it). Children: nodes
 * or strings (strings become text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "for") node.htmlFor = value;
    else if (key === "hidden") node.hidden = Boolean(value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const dateFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "long",
  day: "numeric",
});

/** "2026/03/05 14:20" in China Standard Time, or "—". */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : timeFormat.format(d);
}

/** "2026年3月5日" in China Standard Time, or "—". */
export function fmtDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : dateFormat.format(d);
}

/** A <time> element showing `iso` in China Standard Time. */
export function timeEl(iso, dateOnly = false) {
  return el("time", { datetime: iso || undefined, text: dateOnly ? fmtDate(iso) : fmtTime(iso) });
}

/**
 * Renders the search API's highlighted text (`snippet_html`, `title_html`: HTML-escaped text with
 * matches in <b>…</b>) as text nodes and <mark> elements, without ever parsing it as HTML: only
 * the two tags and the five entities the server produces are understood; anything else is shown
 * literally.
 */
export function highlighted(html) {
  const frag = document.createDocumentFragment();
  const parts = String(html || "").split(/(<b>|<\/b>)/);
  let inMark = false;
  for (const part of parts) {
    if (part === "<b>") inMark = true;
    else if (part === "</b>") inMark = false;
    else if (part) {
      const text = unescapeEntities(part);
      frag.append(inMark ? el("mark", { text }) : document.createTextNode(text));
    }
  }
  return frag;
}

function unescapeEntities(s) {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name) =>
    ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" })[name],
  );
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** Puts `text` in a live region (role=status / aria-live), so screen readers announce it. */
export function announce(region, text) {
  if (!region) return;
  region.textContent = "";
  // A fresh text node after clearing makes repeated identical messages announce again.
  setTimeout(() => {
    region.textContent = text;
  }, 30);
}

/** A fact list (<dl>) from [label, value] pairs; values may be nodes; empty values are skipped. */
export function facts(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(el("dt", { text: label }), append(el("dd"), value));
  }
  return dl;
}

/** Length in Unicode characters, as the server counts. */
export function charCount(s) {
  return Array.from(s || "").length;
}

/** Marks a field invalid with a message (or clears it), through its error element `#<id>-error`. */
export function setFieldError(input, message) {
  const error = document.getElementById(`${input.id}-error`);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    if (error) {
      error.textContent = message;
      error.hidden = false;
    }
  } else {
    input.removeAttribute("aria-invalid");
    if (error) {
      error.textContent = "";
      error.hidden = true;
    }
  }
}

/** Shows a whole-form message in a role=alert element (or hides it when `message` is empty). */
export function setFormError(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

/** The Chinese sentence for an error the user cannot fix field by field. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return "出现未知错误,请稍后再试。";
  switch (err.code) {
    case "network":
      return err.message;
    case "rate_limited":
      return `提交过于频繁,请${err.retryAfter ? ` ${err.retryAfter} 秒` : "稍"}后再试。`;
    case "unauthorized":
      return "登录已失效,请重新登录。";
    case "forbidden":
      return `您的角色不能执行此操作。(${err.message})`;
    case "illegal_transition":
      return `案件当前状态不允许此操作。(${err.message})`;
    case "conflict":
      return `案件刚被他人处理,请刷新后重试。(${err.message})`;
    case "not_found":
      return "没有找到。";
    case "internal":
      return "服务器出错,已记录,请稍后再试。";
    default:
      return `${err.message}`;
  }
}
