// The admin console's view of integrity signals (/security-info's `integrity`): a note under
// each answer in the transcript, the session's summary, and the report's signals and probes.
// Evidence for a person, never verdicts (docs/INTEGRITY.md). Text only, never HTML.

const NOTABLE = new Set(["mostly_pasted", "implausibly_fast", "inconsistent", "late", "left_page"]);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** Put each answer's note under its message (the transcript's items are in history order). */
export function renderSignals(list, integrity) {
  for (const answer of integrity?.answers || []) {
    const li = list.children[answer.message_index];
    if (!li) continue; // not rendered yet: the next refresh adds it
    let note = li.querySelector(".signals-note");
    if (!note) {
      note = el("p", null, "signals-note");
      li.append(note);
    }
    const text = `Signals: ${answer.note}`;
    if (note.textContent !== text) note.textContent = text;
    note.classList.toggle("notable", answer.flags.some((flag) => NOTABLE.has(flag)));
    note.dataset.flags = answer.flags.join(" ");
  }
}

/** The session's one-line summary, with the reminder of what the signals are. */
export function renderSummary(element, integrity) {
  const text = integrity && integrity.counts?.answers
    ? `${integrity.summary}. ${integrity.depth_probes ? `${integrity.depth_probes} depth probe${integrity.depth_probes === 1 ? "" : "s"} asked. ` : ""}Evidence for a person to weigh, never a verdict.`
    : "No answers yet.";
  if (element.textContent !== text) element.textContent = text;
}

/** The report's integrity signals: the summary, notable answers, each probe beside the original. */
export function reportSignals(integrity) {
  const box = document.createDocumentFragment();
  if (integrity.signals_summary) box.append(el("p", `Answer signals: ${integrity.signals_summary}.`));
  const notable = (integrity.answer_signals || []).filter((a) => a.flags.some((f) => NOTABLE.has(f)));
  if (notable.length > 0) {
    const ul = el("ul");
    for (const a of notable) ul.append(el("li", `Question ${a.number}: ${a.note}`));
    box.append(ul);
  }
  for (const probe of integrity.depth_probes || []) {
    const block = el("div", null, "probe");
    block.append(el("h5", `Depth probe on question ${probe.number}`));
    block.append(el("p", probe.reason, "quiet"));
    block.append(el("p", "Original answer:"), el("blockquote", `“${probe.original_answer}”`));
    block.append(el("p", `Asked: ${probe.question}`));
    block.append(el("p", "In their own words:"), el("blockquote", probe.answer ? `“${probe.answer}”` : "(not answered)"));
    box.append(block);
  }
  return box;
}
