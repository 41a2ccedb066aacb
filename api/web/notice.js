// The candidate's rights on the interview page (docs/RIGHTS.md): the AI notice with its
// required acknowledgement before "Begin interview", the "Ask for another process" request,
// and the expired-invitation screen. interview.js calls these; the API decides.

import { json } from "./api.js";

const $ = (id) => document.getElementById(id);

/** The notice's Markdown as elements: headings, paragraphs and **bold**, nothing else (the
 *  text is ours, but it is still never parsed as HTML). */
function renderMarkdown(container, text) {
  container.replaceChildren();
  const blocks = [];
  let paragraph = [];
  const endParagraph = () => {
    if (paragraph.length) blocks.push({ tag: "p", text: paragraph.join(" ") });
    paragraph = [];
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    if (heading) {
      endParagraph();
      blocks.push({ tag: heading[1].length === 1 ? "h2" : "h3", text: heading[2] });
    } else if (!line) endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  for (const block of blocks) {
    const element = document.createElement(block.tag);
    block.text.split(/(\*\*[^*]+\*\*)/).forEach((part) => {
      if (part.startsWith("**") && part.endsWith("**")) {
        const strong = document.createElement("strong");
        strong.textContent = part.slice(2, -2);
        element.append(strong);
      } else if (part) element.append(document.createTextNode(part));
    });
    container.append(element);
  }
}

/** Show the notice in the start section; "Begin interview" waits for the acknowledgement.
 *  Resolves to `acknowledge()`, which records the consent (once) before the interview starts. */
export async function showNotice(sessionId, token, startButton) {
  const { body: notice } = await json("GET", `/notice/${sessionId}`, token);
  renderMarkdown($("ai-notice-text"), notice.text);
  const box = $("acknowledge");
  const current = notice.consented_version === notice.version;
  box.checked = current;
  startButton.disabled = !current;
  box.addEventListener("change", () => {
    startButton.disabled = !box.checked;
  });
  $("ai-notice").hidden = false;
  let recorded = current;
  return async function acknowledge() {
    if (recorded) return;
    await json("POST", `/consent/${sessionId}`, token, { notice_version: notice.version });
    recorded = true;
  };
}

/** The expired-invitation screen: what happened and whom to ask. */
export function showExpired(detail) {
  $("expired-text").textContent =
    detail || "This interview invitation has expired. Please contact the hiring team that invited you for a new link.";
  $("expired").hidden = false;
  $("expired").focus();
}

/** The "Ask for another process" button and its form; `onPaused` hides the interview. */
export function setupAccommodation(sessionId, token, onPaused) {
  const section = $("accommodation");
  const form = $("accommodation-form");
  const text = $("accommodation-text");
  const status = $("accommodation-status");
  section.hidden = false;
  $("accommodation-open").addEventListener("click", () => {
    form.hidden = false;
    text.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      status.textContent = "Write a few words about what you would like, then send.";
      status.hidden = false;
      text.focus();
      return;
    }
    $("accommodation-send").disabled = true;
    try {
      const { body } = await json("POST", `/accommodation/${sessionId}`, token, { text: text.value });
      form.hidden = true;
      $("accommodation-open").hidden = true;
      status.textContent = body.message;
      status.hidden = false;
      onPaused();
    } catch (error) {
      status.textContent = `Your request could not be sent (${error.detail || error.status}). Try again.`;
      status.hidden = false;
    } finally {
      $("accommodation-send").disabled = false;
    }
  });
}

/** The page after a reload, for a request already made. */
export function showPaused(message) {
  const status = $("accommodation-status");
  $("accommodation-open").hidden = true;
  status.textContent = message;
  status.hidden = false;
}
