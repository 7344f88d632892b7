// End-to-end test of the web pages in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser is downloaded). It starts the real `wenzheng serve` on port 0 with a
// fresh data directory and plays one case through both pages:
//
//   citizen submits (portal, 375 px wide) → dispatcher confirms triage and assigns (console) →
//   the unit's handler accepts, drafts and submits the reply → the reviewer publishes →
//   the citizen tracks and rates → the 部门回应 column and the FAQ search find it.
//
// Run by tests/api/e2e.rs when WENZHENG_E2E=1, or by hand from the repository root:
//   WENZHENG_BIN=target/debug/wenzheng node tests/e2e/run.mjs
// Screenshots go to $WENZHENG_E2E_SCREENSHOTS (default target/e2e-screenshots).

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = resolve(ROOT, process.env.WENZHENG_BIN || "target/debug/wenzheng");
const CHROMIUM = process.env.WENZHENG_CHROMIUM || "/usr/bin/chromium";
const SHOTS = resolve(ROOT, process.env.WENZHENG_E2E_SCREENSHOTS || "target/e2e-screenshots");
const PASSWORD = "e2e-password-1";
const UNIT = "住房和城乡建设局";
const started = Date.now();

function step(text) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
}

for (const [what, path] of [["wenzheng binary", BIN], ["chromium", CHROMIUM]]) {
  if (!existsSync(path)) {
    console.error(`e2e: ${what} not found at ${path}`);
    process.exit(2);
  }
}
mkdirSync(SHOTS, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "wenzheng-e2e-"));
const dataDir = join(scratch, "data");

// ---------------------------------------------------------------- people and the server

function addUser(username, role, name, unit) {
  const args = ["user", "add", "--username", username, "--role", role, "--name", name, "--data-dir", dataDir];
  if (unit) args.push("--unit", unit);
  execFileSync(BIN, args, {
    cwd: ROOT,
    env: { ...process.env, WENZHENG_PASSWORD: PASSWORD, DATABASE_URL: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
addUser("dispatcher1", "dispatcher", "交办员小王");
addUser("handler1", "handler", "承办人小李", UNIT);
addUser("reviewer1", "reviewer", "审核员小张");
// Real board messages with their published replies, so that the queue, the 部门回应 column and
// the search indexes hold more than the test's own case (a search index of two documents has no
// meaningful word weights).
execFileSync(BIN, ["import", "training-data/tipdm2020/messages_with_replies.csv", "--limit", "300", "--data-dir", dataDir], {
  cwd: ROOT,
  env: { ...process.env, DATABASE_URL: "" },
  stdio: ["ignore", "ignore", "inherit"],
});
step("users created, 300 real cases imported");

const server = spawn(BIN, ["serve", "--bind", "127.0.0.1:0", "--no-demo-data", "--data-dir", dataDir], {
  cwd: ROOT,
  env: { ...process.env, DATABASE_URL: "", RUST_LOG: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const base = await new Promise((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error("server did not start within 60 s")), 60_000);
  server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  createInterface({ input: server.stdout }).once("line", (line) => {
    clearTimeout(timer);
    const m = line.match(/^wenzheng listening on (http:\/\/\S+)$/);
    m ? resolveUrl(m[1]) : reject(new Error(`unexpected first line: ${line}`));
  });
});
step(`server at ${base}`);
{
  const portal = await fetch(`${base}/`);
  if (!(portal.headers.get("content-type") || "").startsWith("text/html")) {
    console.error(`e2e: ${BIN} does not serve the web pages at / (an older build? rebuild with cargo build)`);
    server.kill("SIGTERM");
    process.exit(2);
  }
}

// Whether the search feature (FAQ search, similar cases) is installed on this server.
const searchInstalled = (await fetch(`${base}/api/public/faq/suggest?q=x`)).status !== 404;

// ---------------------------------------------------------------- the browser

// A persistent context is how playwright takes a fresh --user-data-dir; each actor gets their own
// tab, and sessionStorage (where the staff token lives) is per tab.
const browser = await chromium.launchPersistentContext(join(scratch, "chromium-profile"), {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
  locale: "zh-CN",
  timezoneId: "Asia/Shanghai",
});
browser.setDefaultTimeout(10_000);

const problems = [];
async function newPage(width, height, who) {
  const page = await browser.newPage();
  // Only the tab in front gets keyboard focus.
  await page.setViewportSize({ width, height });
  page.on("pageerror", (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on("console", (m) => {
    // 404s of optional features (statistics, search before it is installed) are expected.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      problems.push(`${who}: console error: ${m.text()}`);
    }
  });
  return page;
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

let exitCode = 0;
try {
  // ---------------------------------------------------------------- 1. the citizen leaves a message
  const citizen = await newPage(375, 812, "citizen");
  await citizen.goto(`${base}/`);
  await citizen.bringToFront();
  await citizen.keyboard.press("Tab");
  const firstStop = await citizen.evaluate(() => `${document.activeElement.tagName}#${document.activeElement.id}:${document.activeElement.textContent}`);
  assert.equal(firstStop, "A#:跳到主要内容", "the skip link is the first stop");
  await shot(citizen, "portal-375");
  const noSideScroll = () => document.documentElement.scrollWidth <= window.innerWidth;
  assert.ok(await citizen.evaluate(noSideScroll), "no horizontal scrolling at 375 px");

  // Client-side validation: nothing filled in.
  await citizen.click("#m-submit");
  assert.match(await citizen.textContent("#m-title-error"), /请填写留言标题/);
  assert.match(await citizen.textContent("#m-body-error"), /请填写留言内容/);
  assert.equal(await citizen.evaluate(() => document.activeElement.id), "m-title", "focus moves to the first error");
  await shot(citizen, "portal-375-validation", false);
  // Server-side validation: text without words passes the browser's checks, the server refuses it by field.
  await citizen.fill("#m-title", "？？");
  await citizen.fill("#m-body", "！！！");
  await citizen.click("#m-submit");
  await citizen.waitForSelector("#m-body-error:not([hidden])");
  assert.match(await citizen.textContent("#m-body-error"), /需要有文字/);
  assert.equal(await citizen.getAttribute("#m-body", "aria-invalid"), "true");

  const title = "小区路灯损坏多日无人维修";
  const body = "我家住在幸福小区3栋，小区东门口的两盏路灯已经坏了一个多月，晚上出行很不安全，多次向物业反映都没有维修，请相关部门督促尽快修复。";
  await citizen.fill("#m-title", title);
  await citizen.fill("#m-body", body);
  await citizen.fill("#m-location", "幸福小区东门");
  await citizen.fill("#m-name", "陈先生");
  await citizen.fill("#m-phone", "13912345678");
  await citizen.check("#m-consent");
  await citizen.click("#m-submit");
  await citizen.waitForSelector("#receipt:not([hidden])");
  const caseNumber = (await citizen.textContent("#receipt-number")).trim();
  const code = (await citizen.textContent("#receipt-code")).trim();
  assert.match(caseNumber, /^\d{4}-\d{6,}$/);
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.equal(await citizen.evaluate(() => document.activeElement.id), "receipt-h", "focus moves to the receipt");
  await shot(citizen, "portal-375-receipt", false);
  step(`citizen submitted ${caseNumber}`);

  await citizen.click("#receipt-track");
  await citizen.waitForSelector("#track-status");
  assert.equal(await citizen.textContent("#track-status"), "已受理");

  // ---------------------------------------------------------------- 2. the dispatcher
  const staff = await newPage(1280, 900, "staff");
  // Background tabs get throttled timers and no animation frames: bring each actor to the front.
  await staff.bringToFront();
  await staff.goto(`${base}/staff`);
  await staff.waitForSelector("#login-view:not([hidden])");
  await shot(staff, "staff-login", false);
  await staff.fill("#login-user", "dispatcher1");
  await staff.fill("#login-password", "wrong-password");
  await staff.click("#login-submit");
  await staff.waitForSelector("#login-error:not([hidden])");
  assert.match(await staff.textContent("#login-error"), /用户名或密码不正确/);

  async function login(username) {
    await staff.fill("#login-user", username);
    await staff.fill("#login-password", PASSWORD);
    await staff.press("#login-password", "Enter");
    await staff.waitForSelector("#queue-view:not([hidden])");
  }
  async function logout() {
    await staff.click("#logout");
    await staff.waitForSelector("#login-view:not([hidden])");
    assert.equal(await staff.evaluate(() => sessionStorage.length), 0, "the token is gone after logout");
  }
  async function openCase() {
    await staff.click(`.case-item a[href="#/case/${caseNumber}"]`);
    await staff.waitForSelector(`#case-h`);
    await staff.waitForFunction((n) => document.querySelector(".case-head .code")?.textContent === n, caseNumber);
  }
  async function act(formId, statusName) {
    await staff.click(`#${formId} button[type=submit]`);
    await staff.waitForFunction((s) => document.querySelector("#case-status-name")?.textContent === s, statusName);
  }

  await login("dispatcher1");
  // The new messages (the imported ones are already replied).
  await staff.selectOption("#f-status", "received");
  await staff.click("#queue-filters button[type=submit]");
  const item = staff.locator(".case-item", { hasText: caseNumber });
  await item.waitFor();
  const itemText = await item.textContent();
  assert.match(itemText, /系统建议/, "the queue shows the suggestion");
  assert.match(itemText, /置信度 \d+%/, "with its confidence");
  assert.ok(await item.locator(".terms li").count() > 0, "and its key terms");
  await shot(staff, "staff-queue");
  await openCase();
  assert.match(await staff.textContent("#case-message"), /13912345678/, "staff see the contact details");
  // Confirm triage: the category of street lighting, urgency 一般.
  await staff.selectOption("#tr-category", "城乡建设");
  await staff.selectOption("#tr-urgency", "一般");
  await staff.click("#tr-submit");
  await staff.waitForSelector("#case-status.notice");
  assert.match(await staff.textContent("#case-triage"), /已确认/);
  // Assign to the unit.
  await staff.selectOption("#act-assign-lead_unit", UNIT);
  await shot(staff, "staff-case-dispatcher");
  await act("act-assign", "已交办");
  assert.ok(await staff.locator("#act-accept").count() === 0, "a dispatcher is not offered the handler's 签收");
  assert.match(await staff.textContent("#timeline"), /交办/);
  step("dispatcher confirmed and assigned");

  if (searchInstalled) {
    // A neighbour reports the same matter: the console offers the first case as a duplicate,
    // and "并入此案" fills the merge form.
    const answer = await fetch(`${base}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "幸福小区东门路灯坏了", body, channel: "web", publish_consent: false }),
    });
    assert.equal(answer.status, 201);
    const second = (await answer.json()).case_number;
    await staff.goto(`${base}/staff#/case/${second}`);
    const candidate = staff.locator("#case-duplicates li", { hasText: caseNumber });
    // The index follows the database within about a second: look again until it has the first case.
    for (let i = 0; i < 20 && !(await candidate.count()); i++) {
      await staff.waitForTimeout(500);
      await staff.reload();
      await staff.waitForSelector("#case-h");
    }
    await candidate.getByRole("button", { name: "并入此案" }).click();
    assert.equal(await staff.inputValue("#act-merge-main_case"), caseNumber);
    await shot(staff, "staff-case-duplicate");
    await act("act-merge", "已并单");
    // Case search finds the first case with the matched words marked.
    await staff.goto(`${base}/staff#/search`);
    await staff.fill("#s-q", "路灯 物业");
    await staff.press("#s-q", "Enter");
    const hit = staff.locator("#search-list li", { hasText: caseNumber });
    await hit.waitFor();
    assert.ok(await hit.locator("mark").count() > 0, "matched words are marked");
    step(`duplicate ${second} merged; case search found ${caseNumber}`);
    // An FAQ entry written in the console is found by the public FAQ search.
    await staff.click("#faq-nav a");
    await staff.waitForSelector("#faq-view:not([hidden])");
    await staff.fill("#fq-question", "小区路灯坏了应该向哪个部门反映?");
    await staff.fill("#fq-answer", "小区内的路灯由物业负责维修;物业不履行的,可以向住房和城乡建设局反映。");
    await staff.selectOption("#fq-unit", UNIT);
    await staff.fill("#fq-tags", "路灯,物业");
    await staff.click("#fq-submit");
    await staff.locator("#faq-list li", { hasText: "应该向哪个部门反映" }).waitFor();
    await shot(staff, "staff-faq");
    step("FAQ entry written in the console");
  }
  await logout();

  // ---------------------------------------------------------------- 3. the unit's handler
  await login("handler1");
  await staff.locator(".case-item", { hasText: caseNumber }).waitFor();
  await openCase();
  assert.ok(await staff.locator("#act-assign").count() === 0, "a handler is not offered 交办");
  await act("act-accept", "办理中");
  await staff.click("#draft-load");
  await staff.waitForSelector("#draft-text");
  assert.ok((await staff.textContent("#draft-text")).length > 20, "the draft has text");
  await staff.click("#draft-use");
  assert.ok((await staff.inputValue("#act-submit_reply-text")).length > 20, "the draft fills the reply box");
  await shot(staff, "staff-case-handler-draft");
  const reply = `陈先生:您好!您反映的幸福小区东门路灯损坏问题收悉。经现场核查,两盏路灯因线路老化损坏,我局已督促物业公司于3日内完成更换。如有疑问请致电13800001111。`;
  await staff.fill("#act-submit_reply-text", reply);
  await act("act-submit_reply", "待审核");
  step("handler accepted and replied");
  await logout();

  // ---------------------------------------------------------------- 4. the reviewer, on a phone
  await staff.setViewportSize({ width: 375, height: 812 });
  await login("reviewer1");
  await staff.selectOption("#f-status", "pending_review");
  await staff.click("#queue-filters button[type=submit]");
  await staff.locator(".case-item", { hasText: caseNumber }).waitFor();
  assert.ok(await staff.evaluate(noSideScroll), "the queue fits 375 px");
  await shot(staff, "staff-375-queue");
  await openCase();
  assert.match(await staff.textContent("#submitted-reply"), /线路老化/);
  assert.ok(await staff.evaluate(noSideScroll), "the case page fits 375 px");
  await act("act-publish", "已回复");
  await shot(staff, "staff-375-case-published");
  await staff.setViewportSize({ width: 1280, height: 900 });
  step("reviewer published");
  await logout();

  // ---------------------------------------------------------------- 5. the citizen tracks and rates
  await citizen.bringToFront();
  await citizen.fill("#t-code", code.toLowerCase().replaceAll("-", ""));
  await citizen.press("#t-code", "Enter");
  await citizen.waitForFunction(() => document.querySelector("#track-status")?.textContent === "已回复");
  const shown = await citizen.textContent("#track-reply");
  assert.match(shown, /线路老化/);
  assert.ok(!shown.includes("13800001111"), "the public reply is masked");
  assert.equal(await citizen.getAttribute("#rate-0", "value"), "满意");
  await citizen.check("#rate-0");
  await citizen.fill("#rate-comment", "修得很快,谢谢");
  await citizen.click("#rating-form button[type=submit]");
  await citizen.waitForSelector("#track-satisfaction");
  assert.equal(await citizen.textContent("#track-satisfaction"), "满意");
  assert.equal(await citizen.textContent("#track-status"), "已办结");
  assert.ok(await citizen.evaluate(noSideScroll), "no horizontal scrolling at 375 px after tracking");
  await shot(citizen, "portal-375-rated");
  step("citizen tracked and rated");

  // ---------------------------------------------------------------- 6. 部门回应 and the FAQ search
  const wide = await newPage(1280, 900, "portal");
  await wide.bringToFront();
  await wide.goto(`${base}/`);
  const published = wide.locator("#replies-list li", { hasText: title });
  await published.waitFor();
  assert.ok(!(await published.textContent()).includes("13800001111"), "the column is masked");
  assert.ok(!(await published.textContent()).includes("13912345678"), "the citizen's phone never appears");
  if (searchInstalled) {
    await wide.click("#faq-q");
    await wide.keyboard.type("路灯损坏", { delay: 40 });
    await wide.waitForSelector("#faq-suggest:not([hidden]) [role=option]");
    await shot(wide, "portal-faq-suggestions", false);
    await wide.keyboard.press("ArrowDown");
    assert.equal(await wide.getAttribute("#faq-q", "aria-activedescendant"), "faq-opt-0");
    await wide.keyboard.press("Enter");
    const hit = wide.locator("#faq-results li", { hasText: "路灯" });
    await hit.first().waitFor();
    // The search must find this case's published reply (FAQ entries may rank too).
    await wide.fill("#faq-q", title);
    await wide.press("#faq-q", "Enter");
    await wide.locator("#faq-results li", { hasText: "线路老化" }).first().waitFor();
    await wide.fill("#faq-q", "路灯坏了向哪个部门反映");
    await wide.press("#faq-q", "Enter");
    await wide.locator("#faq-results li", { hasText: "常见问题" }).filter({ hasText: "应该向哪个部门反映" }).first().waitFor();
    await shot(wide, "portal-faq-results", false);
    step("FAQ search found the published reply");
  } else {
    step("FAQ search SKIPPED: the search feature is not installed on this build (the 部门回应 column was checked)");
  }
  if ((await fetch(`${base}/api/public/stats`)).status !== 404) {
    await wide.waitForSelector("#stats:not([hidden]) .stat .value");
    assert.match(await wide.textContent("#stats"), /收到留言/);
    // On a phone the tables scroll inside their boxes, not the page.
    await wide.setViewportSize({ width: 375, height: 812 });
    for (const summary of await wide.locator("#stats summary").all()) await summary.click();
    assert.ok(await wide.evaluate(noSideScroll), "the statistics fit 375 px");
    await wide.locator("#stats").screenshot({ path: join(SHOTS, "portal-375-stats.png") });
    await wide.setViewportSize({ width: 1280, height: 900 });
    step("public statistics shown");
  }
  await shot(wide, "portal-desktop");

  if (problems.length) throw new Error(`browser problems:\n  ${problems.join("\n  ")}`);
  step(`passed; screenshots in ${SHOTS}`);
} catch (err) {
  exitCode = 1;
  console.error(`e2e FAILED: ${err.stack || err}`);
  if (problems.length) console.error(`browser problems:\n  ${problems.join("\n  ")}`);
} finally {
  await browser.close().catch(() => {});
  server.kill("SIGTERM");
  await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
