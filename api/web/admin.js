// The admin console: /app/admin
//
// With access control on, the admin token is asked for once and kept in sessionStorage (this
// tab only). The sessions table and the open session refresh themselves every few seconds;
// rows and transcript items are updated in place, so a keyboard user's focus stays put.

import { ApiError, json } from "./api.js";
import { renderSignals, renderSummary, reportSignals } from "./integrity.js";
import { clearReview, showReview, wireReview } from "./review.js";
import { STAGE_LABELS } from "./stages.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "interviewer.adminToken";
const REFRESH_MS = 2000;

let token = sessionStorage.getItem(TOKEN_KEY) || "";
let openId = null; // the session shown in the session view
let view = emptyView();
const rows = new Map(); // session id -> <tr>
let summaries = {};
let timer = null;

function emptyView() {
  return { items: 0, cheats: 0, report: null, reportKey: "" };
}

// --- words -----------------------------------------------------------------------------------

function statusWords(s) {
  // A candidate's request and a lapsed invitation come first: the hiring team has to act.
  const request = s.accommodation?.status;
  const hold = s.legal_hold ? " · legal hold" : "";
  if (request === "requested") return `Asked for another process (paused)${hold}`;
  if (request === "closed") return `Closed for another process${hold}`;
  if (s.invitation_expired) return `Invitation expired${hold}`;
  if (s.interview_active) return `In progress${hold}`;
  if (s.stage === "created") return `Not started${hold}`;
  return `Finished${hold}`;
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso.endsWith("Z") || iso.includes("+") ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function describe(error) {
  if (!(error instanceof ApiError)) return String(error);
  if (error.status === 0) return "The server could not be reached.";
  if (error.status === 401) return "The admin token was refused.";
  if (error.status === 409) return "A reply is still streaming in this session; try again in a moment.";
  return error.detail || `The server answered ${error.status}.`;
}

/** A transcript label in words: stage, question number, skill, follow-up, flag. */
function labelTags(role, label) {
  if (!label) return [];
  const stage = STAGE_LABELS[label.stage] || label.stage;
  const tags = [];
  switch (label.kind) {
    case "greeting": tags.push("Greeting"); break;
    case "personal": tags.push("Personal question"); break;
    case "question": tags.push(`${stage} question ${label.number}`); break;
    case "follow_up":
      tags.push(`${label.depth_probe ? "Depth probe" : "Follow-up"} ${label.follow_up ?? ""} to question ${label.number}`);
      break;
    case "warning": tags.push("Warning"); break;
    case "closing": tags.push("Closing"); break;
    case "answer":
      tags.push(label.number > 0 ? `Answer to question ${label.number}` : `Answer (${stage.toLowerCase()})`);
      break;
    default: tags.push(label.kind);
  }
  if (label.kind === "follow_up") tags.push(stage);
  if (label.late) tags.push("Late");
  if (label.skill && role === "assistant") tags.push(`Skill: ${label.skill}`);
  return tags;
}

// --- auth ------------------------------------------------------------------------------------

function showSignin(message) {
  stopRefresh();
  $("loading").hidden = true;
  $("console").hidden = true;
  $("sign-out").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
  $("admin-token").focus();
}

function showConsole() {
  $("loading").hidden = true;
  $("signin").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = !token;
}

async function start() {
  try {
    await refreshSessions();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      const hadToken = Boolean(token);
      token = "";
      sessionStorage.removeItem(TOKEN_KEY);
      showSignin(hadToken ? "The saved admin token was refused; enter it again." : "");
      return;
    }
    $("loading").textContent = describe(error);
    return;
  }
  showConsole();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("session");
  if (wanted && summaries[wanted]) await openSession(wanted, false);
  scheduleRefresh();
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = $("admin-token").value.trim();
  if (!candidate) {
    $("signin-error").textContent = "Enter the admin token.";
    return;
  }
  try {
    await json("GET", "/sessions", candidate);
  } catch (error) {
    const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
    $("signin-error").textContent = refused
      ? error.status === 403
        ? "That is a candidate's token, not the admin token."
        : "That token was refused. Check the value of INTERVIEWER_ADMIN_TOKEN."
      : describe(error);
    $("admin-token").select();
    return;
  }
  token = candidate;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("admin-token").value = "";
  start();
});

$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  token = "";
  closeSession();
  showSignin("Signed out.");
});

// --- sessions table ------------------------------------------------------------------------------

function cellTexts(sid, s) {
  return [
    s.job_position || "—",
    s.candidate_name || "—",
    statusWords(s),
    `${s.questions_asked} / ${s.total_expected_questions}`,
    String(s.potential_cheat_attempts ?? 0),
    when(s.last_access),
  ];
}

function rowFor(sid) {
  let tr = rows.get(sid);
  if (tr) return tr;
  tr = document.createElement("tr");
  tr.dataset.session = sid;
  for (let i = 0; i < 6; i += 1) tr.append(document.createElement("td"));
  const cell = document.createElement("td");
  const open = document.createElement("button");
  open.type = "button";
  open.textContent = "Open";
  open.addEventListener("click", () => openSession(sid, true));
  cell.append(open);
  tr.append(cell);
  rows.set(sid, tr);
  return tr;
}

async function refreshSessions() {
  const { body } = await json("GET", "/sessions", token);
  summaries = body;
  const ids = Object.keys(body).sort((a, b) => (body[b].last_access || "").localeCompare(body[a].last_access || ""));
  const tbody = $("sessions");
  for (const [sid, tr] of rows) {
    if (!(sid in body)) {
      tr.remove();
      rows.delete(sid);
    }
  }
  ids.forEach((sid, index) => {
    const tr = rowFor(sid);
    const texts = cellTexts(sid, body[sid]);
    texts.forEach((text, i) => {
      if (tr.cells[i].textContent !== text) tr.cells[i].textContent = text;
    });
    const open = tr.querySelector("button");
    open.setAttribute("aria-label", `Open session of ${texts[1] === "—" ? "unnamed candidate" : texts[1]} for ${texts[0]}`);
    tr.classList.toggle("selected", sid === openId);
    if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] || null);
  });
  $("no-sessions").hidden = ids.length > 0;
  $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

function scheduleRefresh() {
  stopRefresh();
  timer = setTimeout(async () => {
    if (!document.hidden) {
      try {
        await refreshSessions();
        if (openId) await refreshSession();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          showSignin("The admin token is no longer accepted.");
          return;
        }
        $("refreshed").textContent = `Not updated: ${describe(error)}`;
      }
    }
    scheduleRefresh();
  }, REFRESH_MS);
}

function stopRefresh() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

// --- session view ----------------------------------------------------------------------------

async function openSession(sid, focus) {
  openId = sid;
  view = emptyView();
  $("transcript").replaceChildren();
  $("cheats").replaceChildren();
  $("report-body").replaceChildren();
  $("report-body").hidden = true;
  $("report-empty").hidden = false;
  $("report-empty").textContent = "No report yet.";
  clearReview();
  $("action-status").textContent = "";
  $("session-view").hidden = false;
  history.replaceState(null, "", `#session=${sid}`);
  for (const [id, tr] of rows) tr.classList.toggle("selected", id === sid);
  await refreshSession();
  if (focus) $("session-view").focus();
}

function closeSession() {
  openId = null;
  $("session-view").hidden = true;
  history.replaceState(null, "", location.pathname);
  for (const tr of rows.values()) tr.classList.remove("selected");
}

$("close-session").addEventListener("click", () => {
  const sid = openId;
  closeSession();
  rows.get(sid)?.querySelector("button")?.focus();
});

async function refreshSession() {
  const sid = openId;
  const summary = summaries[sid];
  if (!summary) {
    closeSession();
    return;
  }
  const who = summary.candidate_name || "Unnamed candidate";
  $("session-title").textContent = `${who}${summary.job_position ? ` · ${summary.job_position}` : ""}`;
  $("session-status").textContent = statusWords(summary);
  $("session-progress").textContent = `${summary.questions_asked} of ${summary.total_expected_questions} questions asked`;
  $("session-id").textContent = sid;
  $("session-link").textContent = `${location.origin}/app/interview/${sid}`;
  $("action-end").disabled = !summary.interview_active;

  const [history, security] = await Promise.all([
    json("GET", `/conversation-history/${sid}?labels=true`, token),
    json("GET", `/security-info/${sid}`, token),
  ]);
  if (sid !== openId) return;
  renderTranscript(history.body.history);
  renderSignals($("transcript"), security.body.integrity);
  renderSummary($("signals-summary"), security.body.integrity);
  renderCheats(security.body.events || []);
  await refreshReport(sid, summary);
}

function renderTranscript(items) {
  const list = $("transcript");
  if (items.length < view.items) {
    list.replaceChildren(); // a reset: start over
    view.items = 0;
  }
  for (const item of items.slice(view.items)) {
    const li = document.createElement("li");
    li.className = item.role;
    const meta = document.createElement("div");
    meta.className = "meta";
    const whoEl = document.createElement("span");
    whoEl.className = "who";
    whoEl.textContent = item.role === "assistant" ? "Mia" : "Candidate";
    meta.append(whoEl);
    for (const tag of labelTags(item.role, item.label)) {
      const span = document.createElement("span");
      span.className = "tag";
      span.textContent = tag;
      meta.append(span);
    }
    if (item.label?.flagged) {
      const flag = document.createElement("span");
      flag.className = "tag flag";
      flag.textContent = "Flagged by the cheat detector";
      meta.append(flag);
    }
    const text = document.createElement("p");
    text.textContent = item.content;
    li.append(meta, text);
    list.append(li);
  }
  view.items = items.length;
  $("no-transcript").hidden = items.length > 0;
}

function renderCheats(events) {
  if (events.length === view.cheats) return;
  const tbody = $("cheats");
  tbody.replaceChildren();
  for (const e of events) {
    const tr = document.createElement("tr");
    for (const value of [e.turn, e.category, e.rule, e.excerpt]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.append(td);
    }
    tr.title = when(e.time);
    tbody.append(tr);
  }
  view.cheats = events.length;
  $("cheats-table").hidden = events.length === 0;
  $("no-cheats").hidden = events.length > 0;
}

// --- evaluation report -----------------------------------------------------------------------

async function refreshReport(sid, summary) {
  if (view.report) return; // a ready report does not change by itself
  if (summary.stage === "created" || summary.interview_active) {
    $("report-empty").textContent = "No report yet: the interview has not finished.";
    return;
  }
  let result;
  try {
    result = await json("GET", `/report/${sid}`, token);
  } catch (error) {
    // 404 (no report for this session, or a server without reports), 409 (not finished) or a
    // failure: all the same to a recruiter for now.
    $("report-empty").textContent = error instanceof ApiError && error.status === 409
      ? "No report yet: the interview has not finished."
      : "No report yet.";
    return;
  }
  if (sid !== openId) return;
  if (result.status === 202 || result.body.status === "pending") {
    $("report-empty").textContent = "No report yet: it is being prepared.";
    return;
  }
  view.report = result.body;
  renderReport(result.body);
  showReview(sid, result.body, token);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function words(value) {
  return String(value || "").replaceAll("_", " ");
}

function quotes(evidence) {
  const box = document.createDocumentFragment();
  for (const item of evidence || []) {
    const quote = el("blockquote", `“${item.quote}”`);
    if (item.turn !== undefined) quote.append(el("span", ` (turn ${item.turn})`, "quiet"));
    box.append(quote);
  }
  return box;
}

function bulletList(title, items) {
  const block = el("div", null, "report-block");
  if (!items || items.length === 0) return block;
  block.append(el("h5", title));
  const ul = el("ul");
  for (const item of items) ul.append(el("li", typeof item === "string" ? item : JSON.stringify(item)));
  block.append(ul);
  return block;
}

function renderReport(report) {
  const body = $("report-body");
  body.replaceChildren();
  if (report.status === "failed") {
    body.append(el("p", "The evaluation failed; it can be run again.", "quiet"));
  }
  const overall = report.overall || {};
  const head = el("div", null, "report-block");
  head.append(el("h4", "Overall"));
  const score = el("p");
  score.append(el("span", overall.score == null ? "No overall score" : `${overall.score} / 10`, "score"));
  score.append(document.createTextNode(` · Recommendation: ${words(overall.recommendation)}`));
  head.append(score);
  if (overall.summary) head.append(el("p", overall.summary));
  const source = report.generated_by === "offline-heuristic"
    ? "Scored by the offline heuristic evaluator, not by a language model."
    : `Scored by ${report.generated_by || "an unknown evaluator"}.`;
  head.append(el("p", `${source}${report.rubric_version ? ` Rubric ${report.rubric_version}.` : ""}`, "quiet"));
  body.append(head, bulletList("Strengths", overall.strengths), bulletList("Concerns", overall.concerns));

  const skills = Array.isArray(report.skills)
    ? report.skills
    : Object.entries(report.skills || {}).map(([skill, value]) => ({ skill, ...value }));
  if (skills.length > 0) {
    const block = el("div", null, "report-block");
    block.append(el("h4", "Skills"));
    const ul = el("ul");
    for (const s of skills) {
      const li = el("li");
      li.append(el("span", `${s.skill || s.name}: `, "score"));
      li.append(document.createTextNode(s.score == null ? "not covered" : `${s.score} / 10`));
      if (s.justification) li.append(el("p", s.justification));
      li.append(quotes(s.evidence));
      ul.append(li);
    }
    block.append(ul);
    body.append(block);
  }

  if ((report.questions || []).length > 0) {
    const block = el("div", null, "report-block");
    block.append(el("h4", "Questions"));
    const ol = el("ol", null, "questions");
    for (const q of report.questions) {
      const li = el("li");
      const title = [STAGE_LABELS[q.stage] || q.stage, q.skill].filter(Boolean).join(" · ");
      li.append(el("p", `${title}: ${q.question || ""}`));
      const verdict = q.status === "scored" ? `${q.score} / 5` : words(q.status);
      li.append(el("p", verdict, "score"));
      if ((q.follow_ups || []).length > 0) li.append(bulletList("Follow-ups", q.follow_ups));
      li.append(quotes(q.evidence));
      if (q.rationale) li.append(el("p", q.rationale, "quiet"));
      ol.append(li);
    }
    block.append(ol);
    body.append(block);
  }

  if (report.integrity) {
    const block = el("div", null, "report-block");
    block.append(el("h4", "Integrity signals"));
    const count = report.integrity.potential_cheat_attempts ?? 0;
    block.append(el("p", `${count} potential cheat attempt${count === 1 ? "" : "s"}.`));
    block.append(el("p", report.integrity.note || "Signals for a person to review, not verdicts.", "quiet"));
    block.append(reportSignals(report.integrity));
    body.append(block);
  }
  $("report-empty").hidden = true;
  body.hidden = false;
}

// --- actions ---------------------------------------------------------------------------------

function confirmWith(title, text, okLabel) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

async function act(button, { confirm, run, after }) {
  const sid = openId;
  if (confirm && !(await confirmWith(...confirm))) {
    button.focus();
    return;
  }
  const status = $("action-status");
  status.className = "status-line";
  status.textContent = "Working…";
  try {
    const { body } = await run(sid);
    status.textContent = body.message;
    status.classList.add("ok");
    if (after) after(sid);
    view = emptyView();
    $("transcript").replaceChildren();
    await refreshSessions();
    if (openId) await refreshSession();
  } catch (error) {
    status.textContent = describe(error);
    status.classList.add("error");
  }
  if (!$("session-view").hidden) button.focus();
}

$("action-end").addEventListener("click", (e) => act(e.currentTarget, {
  confirm: ["End this interview?", "Mia closes the interview now and the candidate can no longer answer.", "End interview"],
  run: (sid) => json("POST", `/end-interview/${sid}`, token),
}));
$("action-reset").addEventListener("click", (e) => act(e.currentTarget, {
  confirm: ["Reset this interview?", "The transcript so far is deleted; the session keeps its settings and the candidate can start again.", "Reset"],
  run: (sid) => json("POST", `/reset/${sid}`, token),
}));
$("action-save").addEventListener("click", (e) => act(e.currentTarget, {
  run: (sid) => json("POST", `/save-session/${sid}`, token),
}));
$("action-delete").addEventListener("click", (e) => act(e.currentTarget, {
  confirm: ["Delete this session?", "It is saved to a file on the server, then removed; its candidate link stops working.", "Delete session"],
  run: (sid) => json("DELETE", `/session/${sid}`, token),
  after: () => closeSession(),
}));

// --- create form -----------------------------------------------------------------------------

function listEditor(inputId, buttonId, listId, noun) {
  const input = $(inputId);
  const list = $(listId);
  const add = () => {
    const value = input.value.trim();
    if (!value) return;
    const li = el("li");
    li.append(el("span", value));
    const remove = el("button", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${noun} ${value}`);
    remove.addEventListener("click", () => {
      li.remove();
      input.focus();
    });
    li.append(remove);
    list.append(li);
    input.value = "";
    input.focus();
  };
  $(buttonId).addEventListener("click", add);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add();
    }
  });
  return {
    values: () => {
      add(); // a value typed but not yet added counts: it is what the form shows
      return [...list.querySelectorAll("li > span")].map((s) => s.textContent);
    },
    clear: () => list.replaceChildren(),
  };
}

const skills = listEditor("skill-input", "add-skill", "skills", "skill");
const customQuestions = listEditor("custom-input", "add-custom", "custom-questions", "question");

function numberField(id) {
  const input = $(id);
  if (!input.checkValidity() || input.value === "") {
    throw new Error(`${input.labels[0].textContent}: between ${input.min} and ${input.max}.`);
  }
  return Number(input.value);
}

wireReview();

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("create-status");
  status.className = "status-line";
  let settings;
  try {
    const custom = customQuestions.values();
    settings = {
      candidate_name: $("candidate_name").value.trim(),
      job_position: $("job_position").value.trim(),
      job_description: $("job_description").value.trim(),
      skills: skills.values(),
      custom_questions: custom.length > 0 ? custom : null,
      technical_questions: numberField("technical_questions"),
      behavioral_questions: numberField("behavioral_questions"),
      temperature: numberField("temperature"),
      top_p: numberField("top_p"),
    };
  } catch (error) {
    status.textContent = error.message;
    status.classList.add("error");
    return;
  }
  let body;
  try {
    ({ body } = await json("POST", "/create-session", token, settings));
  } catch (error) {
    status.textContent = `Not created: ${describe(error)}`;
    status.classList.add("error");
    return;
  }
  const link = `${location.origin}/app/interview/${body.session_id}${body.candidate_token ? `#token=${encodeURIComponent(body.candidate_token)}` : ""}`;
  $("candidate-link").value = link;
  $("copy-status").textContent = "";
  $("created").hidden = false;
  status.textContent = `Session created for ${settings.candidate_name || "an unnamed candidate"}.`;
  status.classList.add("ok");
  $("create-form").reset();
  skills.clear();
  customQuestions.clear();
  await refreshSessions();
  await openSession(body.session_id, false);
  $("copy-link").focus();
});

$("copy-link").addEventListener("click", async () => {
  const input = $("candidate-link");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // No clipboard API (plain http on a LAN address): the old way still works.
    input.select();
    document.execCommand("copy");
  }
  $("copy-status").textContent = "Link copied.";
});

start();
