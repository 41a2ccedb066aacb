// The candidate's page: /app/interview/{session_id}#token=...
//
// The token arrives in the URL fragment (never sent to the server), is taken out of the
// address bar at once, and is kept for this tab only (sessionStorage), so a reload resumes the
// interview but the link is not left in the history, a bookmark or a screenshot.

import { ApiError, json, newKey, streamTurn } from "./api.js";
import { setupAccommodation, showExpired, showNotice, showPaused } from "./notice.js";
import { createCountdown, createSignals } from "./signals.js";

const $ = (id) => document.getElementById(id);
const sessionId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const TOKEN_KEY = `interviewer.candidate.${sessionId}`;

const ui = {
  role: $("role"),
  progress: $("progress"),
  progressText: $("progress-text"),
  notice: $("notice"),
  log: $("log"),
  start: $("start"),
  startButton: $("start-button"),
  problem: $("problem"),
  problemText: $("problem-text"),
  retry: $("retry"),
  end: $("end"),
  composer: $("composer"),
  answer: $("answer"),
  send: $("send"),
  countdown: $("countdown"),
  timeLimitNotice: $("time-limit-notice"),
};

// How each answer was written (counts and times, never text): docs/INTEGRITY.md.
const signals = createSignals(ui.answer);
const countdown = createCountdown(ui.countdown);
let timeLimit = null; // seconds per answer, when the session has a limit

const token = takeToken();
let pending = null; // the turn being sent: {path, body, key, userBubble}; kept for "Try again"
let finished = false;
let acknowledge = async () => {}; // records the AI notice's acknowledgement (notice.js)

function takeToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromLink = params.get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return fromLink || sessionStorage.getItem(TOKEN_KEY) || "";
}

// --- rendering -------------------------------------------------------------------------------

function bubble(role, text) {
  const item = document.createElement("div");
  item.className = `msg ${role === "assistant" ? "msg-mia" : "msg-you"}`;
  const who = document.createElement("p");
  who.className = "who";
  who.textContent = role === "assistant" ? "Mia" : "You";
  const body = document.createElement("p");
  body.className = "text";
  body.textContent = text;
  item.append(who, body);
  ui.log.append(item);
  scrollToEnd();
  return item;
}

function scrollToEnd() {
  ui.log.lastElementChild?.scrollIntoView({ block: "end" });
}

function setProgress(asked, total) {
  ui.progress.setAttribute("aria-valuenow", String(asked));
  ui.progress.setAttribute("aria-valuemax", String(total));
  const text = total > 0 ? `Question ${asked} of ${total}` : "";
  ui.progress.setAttribute("aria-valuetext", text || "Getting started");
  ui.progressText.textContent = asked === 0 ? "Getting started" : text;
  const share = total > 0 ? Math.min(1, asked / total) : 0;
  ui.progress.querySelector(".progress-fill").style.width = `${Math.round(share * 100)}%`;
}

function setBusy(busy) {
  ui.answer.disabled = busy;
  ui.send.disabled = busy;
  ui.log.setAttribute("aria-busy", busy ? "true" : "false");
}

function showProblem(error) {
  ui.problemText.textContent = describe(error);
  ui.problem.hidden = false;
  ui.retry.hidden = !canRetry(error);
  if (!ui.retry.hidden) ui.retry.focus();
}

function hideProblem() {
  ui.problem.hidden = true;
}

function showEnd() {
  finished = true;
  countdown.stop();
  ui.composer.hidden = true;
  ui.answer.disabled = true;
  ui.send.disabled = true;
  ui.start.hidden = true;
  hideProblem();
  ui.end.hidden = false;
  ui.end.focus();
  document.body.classList.add("finished");
}

function showComposer(secondsLeft = timeLimit) {
  ui.start.hidden = true;
  ui.composer.hidden = false;
  signals.reset(); // the question has just finished: the next answer is timed from here
  countdown.start(secondsLeft);
  setBusy(false);
  ui.answer.focus();
  scrollToEnd(); // the answer box just took its share of the screen from the transcript
}

/** Errors in words, for a candidate: what happened and what to do. */
function describe(error) {
  if (!(error instanceof ApiError)) return "Something went wrong on this page. Try again.";
  switch (error.status) {
    case 0:
      return "The connection to the interview was lost. Your answer is kept: try again.";
    case 401:
      return "This link's access token is missing or no longer valid. Please ask the hiring team for a new link.";
    case 404:
      return "This interview could not be found. Please check the link you were given.";
    case 409:
      // Paused or closed for another process: the server's own words say what to expect.
      if (/another process|paused/.test(error.detail)) return error.detail;
      return "A reply is still coming for your last message. Wait a few seconds, then try again.";
    case 410:
    case 428:
      return error.detail;
    case 429:
      return "This interview has reached its limit of messages. Please contact the hiring team.";
    case 422:
      return `Your answer could not be accepted (${error.detail}).`;
    case 503:
      if (error.code.startsWith("llm_")) {
        return "Mia could not reply just now: the language model did not answer. Your answer was not lost: try again.";
      }
      return "The interview server is busy right now. Your answer was not lost: try again in a moment.";
    default:
      return error.detail || `The server answered with an error (${error.status}). Try again.`;
  }
}

function canRetry(error) {
  return !(error instanceof ApiError) || [0, 409, 500, 502, 503, 504].includes(error.status);
}

// --- turns -----------------------------------------------------------------------------------

async function runPending() {
  const turn = pending;
  hideProblem();
  setBusy(true);
  const reply = bubble("assistant", "");
  reply.classList.add("streaming");
  const text = reply.querySelector(".text");
  let ended = false;
  let active = true;
  try {
    const outcome = await streamTurn(turn.path, turn.body, {
      token,
      key: turn.key,
      onEvent: ({ event, data }) => {
        if (event === "token") {
          text.textContent += data.text;
          scrollToEnd();
        } else if (event === "state") {
          setProgress(data.questions_asked, data.total_expected_questions);
          active = data.active;
        } else if (event === "end") {
          ended = true;
        }
      },
    });
    pending = null;
    reply.classList.remove("streaming");
    if (outcome.replayed) {
      await load(); // the server had this turn already: show what it holds
      return;
    }
    if (ended || !active) showEnd();
    else showComposer();
  } catch (error) {
    reply.remove(); // a failed turn is not committed: its partial reply never happened
    showProblem(error);
  } finally {
    ui.log.setAttribute("aria-busy", "false");
  }
}

function sendAnswer() {
  if (finished || pending || ui.send.disabled) return;
  const message = ui.answer.value;
  if (!message.trim()) {
    ui.notice.textContent = "Type your answer first, then press Send.";
    ui.notice.hidden = false;
    ui.answer.focus();
    return;
  }
  ui.notice.hidden = true;
  const userBubble = bubble("user", message);
  ui.answer.value = "";
  countdown.stop();
  pending = {
    path: `/chat/${sessionId}`,
    body: { message, session_id: sessionId, type: "user", signals: signals.snapshot() },
    key: newKey(),
    userBubble,
  };
  runPending();
}

async function begin() {
  if (pending || ui.startButton.disabled) return;
  try {
    await acknowledge();
  } catch (error) {
    showProblem(error);
    return;
  }
  ui.start.hidden = true;
  ui.composer.hidden = false;
  pending = { path: `/start-interview/${sessionId}`, body: {}, key: newKey() };
  runPending();
}

function limitWords(seconds) {
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} seconds`;
}

// --- loading (also what a reload does) ---------------------------------------------------------

async function load() {
  let status;
  let transcript;
  try {
    [{ body: status }, { body: transcript }] = await Promise.all([
      json("GET", `/interview-status/${sessionId}`, token),
      json("GET", `/conversation-history/${sessionId}`, token),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 410) {
      ui.notice.hidden = true;
      showExpired(error.detail);
      return;
    }
    ui.notice.textContent = describe(error);
    ui.notice.classList.add("error");
    return;
  }
  ui.notice.hidden = true;
  if (status.job_position) {
    ui.role.textContent = `Interview: ${status.job_position}`;
    document.title = `Interview: ${status.job_position}`;
  }
  setProgress(status.questions_asked, status.total_expected_questions);
  timeLimit = status.answer_time_limit_seconds ?? null;
  if (timeLimit !== null) {
    ui.timeLimitNotice.textContent = `Each answer has a suggested time of ${limitWords(timeLimit)}; a countdown shows it. An answer sent later is still accepted.`;
    ui.timeLimitNotice.hidden = false;
  }
  ui.log.replaceChildren();
  for (const item of transcript.history) bubble(item.role, item.content);
  if (status.accommodation === "requested" || status.accommodation === "closed") {
    pause(
      status.accommodation === "closed"
        ? "This interview was closed so that the hiring team can offer another process."
        : "You asked for another process or an accommodation. The interview is paused until the hiring team answers.",
    );
    return;
  }
  setupAccommodation(sessionId, token, () => pause(null));
  if (status.active) showComposer(status.answer_seconds_left ?? timeLimit);
  else if (status.stage === "created" || transcript.history.length === 0) {
    ui.start.hidden = false;
    try {
      acknowledge = await showNotice(sessionId, token, ui.startButton);
    } catch (error) {
      showProblem(error);
    }
    (ui.startButton.disabled ? document.getElementById("acknowledge") : ui.startButton).focus();
  } else showEnd();
}

/** A request for another process stops the interview on this page (the server refuses turns
 *  meanwhile too); `message`: after a reload, what the request's state is. */
function pause(message) {
  ui.start.hidden = true;
  ui.composer.hidden = true;
  ui.answer.disabled = true;
  ui.send.disabled = true;
  document.getElementById("accommodation").hidden = false;
  if (message) showPaused(message);
}

ui.startButton.addEventListener("click", begin);
ui.retry.addEventListener("click", () => {
  if (pending) runPending();
  else load();
});
ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  sendAnswer();
});
ui.answer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendAnswer();
  }
});

// Without a token the page still loads: with auth off (the open mode) none is needed, and
// with it on the API's 401 is put into words.
load();
