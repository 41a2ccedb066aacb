// The admin console's review panel: people review the AI's scores (override with a reason,
// disregard), keep private notes, and decide (advance, reject, hold, with a reason). What they
// record sits beside the AI's report, never in it; the panel shows both, with names and times.

import { ApiError, json } from "./api.js";

const $ = (id) => document.getElementById(id);

let current = null; // {sid, report, token}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function words(value) {
  return String(value || "").replaceAll("_", " ");
}

function day(iso) {
  return String(iso || "").slice(0, 10);
}

function problem(error) {
  if (error instanceof ApiError) {
    if (error.status === 403) return "Your role may not review or decide (reviewers and admins may).";
    return error.detail || `The server answered ${error.status}.`;
  }
  return String(error);
}

/** Hide the panel (another session opened, or no ready report). */
export function clearReview() {
  current = null;
  $("review").hidden = true;
  $("review-items").replaceChildren();
  $("review-history").replaceChildren();
  $("review-status").textContent = "";
  $("decision-status").textContent = "";
}

/** Show the panel for a ready report (`report.human_review`: what people did so far). */
export function showReview(sid, report, token) {
  if (!report || report.status !== "ready") return clearReview();
  current = { sid, report, token };
  const rows = $("review-items");
  rows.replaceChildren();
  const items = [
    ...(report.questions || [])
      .filter((q) => q.asked !== false)
      .map((q) => ({ key: { question: q.number }, label: `Q${q.number}`, scale: 5, ai: q.score,
        title: `Q${q.number} (${words(q.stage)}${q.skill ? `, ${q.skill}` : ""})` })),
    ...(report.skills || []).map((s) => ({ key: { skill: s.skill }, label: `skill ${s.skill}`,
      scale: 10, ai: s.score, title: `Skill ${s.skill}` })),
  ];
  items.forEach((item, index) => rows.append(itemRow(item, index)));
  render(report.human_review || { ai_recommendation: report.overall?.recommendation });
  $("review").hidden = false;
}

function itemRow(item, index) {
  const tr = el("tr");
  tr.dataset.index = String(index);
  tr.itemKey = item.key;
  tr.append(el("th", item.title));
  tr.lastChild.scope = "row";
  tr.append(el("td", item.ai === null || item.ai === undefined ? "—" : `${item.ai}/${item.scale}`));
  const choice = el("select");
  choice.setAttribute("aria-label", `${item.title}: what to do`);
  for (const [value, label] of [["keep", "Keep the AI's"], ["override", "Override"], ["disregard", "Disregard"]]) {
    const option = el("option", label);
    option.value = value;
    choice.append(option);
  }
  const score = el("input");
  score.type = "number";
  score.min = item.scale === 5 ? "1" : "0";
  score.max = String(item.scale);
  score.step = item.scale === 5 ? "1" : "0.5";
  score.setAttribute("aria-label", `${item.title}: your score (out of ${item.scale})`);
  const reason = el("input");
  reason.type = "text";
  reason.maxLength = 2000;
  reason.setAttribute("aria-label", `${item.title}: reason`);
  const cells = [choice, score, reason].map((control) => {
    const td = el("td");
    td.append(control);
    return td;
  });
  tr.append(...cells);
  return tr;
}

function collect() {
  const items = [];
  for (const tr of $("review-items").children) {
    const [choice, score, reason] = tr.querySelectorAll("select, input");
    if (choice.value === "keep") continue;
    const item = { ...tr.itemKey, action: choice.value, reason: reason.value.trim() };
    if (choice.value === "override") item.score = score.value === "" ? null : Number(score.value);
    items.push(item);
  }
  const notes = $("review-notes").value.trim();
  return { items, notes: notes || null };
}

function verdict(human) {
  const ai = `AI: ${human.ai_recommendation || "—"}`;
  const d = human.decision;
  if (!d) return `${ai} · no decision by a person yet`;
  const role = d.role.charAt(0).toUpperCase() + d.role.slice(1);
  return `${ai} · ${role} ${d.decided_by}, ${day(d.at)}: ${d.decision}, because ${d.reason}`;
}

function render(human) {
  $("review-verdict").textContent = verdict(human);
  const history = $("review-history");
  history.replaceChildren();
  for (const r of human.reviews || []) {
    const changed = (r.items || [])
      .map((i) => `${i.question ? `Q${i.question}` : `skill ${i.skill}`}: ${i.action === "disregard" ? "disregarded" : `${i.ai_score ?? "—"} → ${i.score}`}${i.reason ? ` (${i.reason})` : ""}`)
      .join("; ");
    history.append(el("li", `${day(r.at)} ${r.reviewer} (${r.role}) reviewed: ${changed || "no changes"}${r.notes ? ` · notes: ${r.notes}` : ""}`));
  }
  for (const d of human.decisions || []) {
    history.append(el("li", `${day(d.at)} ${d.decided_by} (${d.role}) decided: ${d.decision}, because ${d.reason}`));
  }
}

async function post(path, body, statusId) {
  const status = $(statusId);
  status.className = "status-line";
  status.textContent = "Saving…";
  try {
    const { body: human } = await json("POST", `/report/${current.sid}/${path}`, current.token, body);
    render(human);
    status.textContent = path === "review" ? "Review saved." : "Decision recorded.";
    status.classList.add("ok");
  } catch (error) {
    status.textContent = problem(error);
    status.classList.add("error");
  }
}

export function wireReview() {
  $("review-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (current) post("review", collect(), "review-status");
  });
  $("decision-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!current) return;
    post("decision", { decision: $("decision").value, reason: $("decision-reason").value.trim() }, "decision-status");
  });
}
