// What the candidate page notes while an answer is written: counts and times, never text.
//
// Sent with the answer as ChatMessage `signals` (docs/INTEGRITY.md): when the first key was
// pressed, how long the typing took, how many keys, each paste's LENGTH (measured from the
// answer box's length before and after, so the pasted text itself is never read), and each time
// the window lost focus or the page was hidden, with its duration. Every time is in ms after
// the question finished streaming (`reset()`), as the API expects.

const COUNTED_KEYS = new Set(["Backspace", "Delete"]);
const PASTE_INPUTS = new Set(["insertFromPaste", "insertFromDrop", "insertFromPasteAsQuotation"]);
const MAX_EVENTS = 200; // the API's bound per list

export function createSignals(box) {
  let start = performance.now();
  let first = null;
  let last = null;
  let keystrokes = 0;
  let pastes = [];
  let blurs = [];
  let hidden = [];
  let blurredAt = null;
  let hiddenAt = null;
  let before = null; // the box's length and selection just before a paste

  const now = () => Math.max(0, Math.round(performance.now() - start));
  const edited = () => {
    const at = now();
    if (first === null) first = at;
    last = at;
  };
  const push = (list, item) => {
    if (list.length < MAX_EVENTS) list.push(item);
  };

  box.addEventListener("keydown", (event) => {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.length === 1 || COUNTED_KEYS.has(event.key)) {
      keystrokes += 1;
      edited();
    }
  });
  box.addEventListener("beforeinput", (event) => {
    if (!PASTE_INPUTS.has(event.inputType)) return;
    before = { length: box.value.length, replaced: box.selectionEnd - box.selectionStart };
  });
  box.addEventListener("input", (event) => {
    if (!PASTE_INPUTS.has(event.inputType) || before === null) return;
    const length = Math.max(0, box.value.length - before.length + before.replaced);
    before = null;
    edited();
    push(pastes, { length, at_ms: now() });
  });

  window.addEventListener("blur", () => {
    if (blurredAt === null) blurredAt = now();
  });
  window.addEventListener("focus", () => {
    if (blurredAt === null) return;
    push(blurs, { at_ms: blurredAt, duration_ms: now() - blurredAt });
    blurredAt = null;
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      if (hiddenAt === null) hiddenAt = now();
    } else if (hiddenAt !== null) {
      push(hidden, { at_ms: hiddenAt, duration_ms: now() - hiddenAt });
      hiddenAt = null;
    }
  });

  return {
    /** The question has just finished streaming: start counting for the next answer. */
    reset() {
      start = performance.now();
      first = last = null;
      keystrokes = 0;
      pastes = [];
      blurs = [];
      hidden = [];
      blurredAt = document.hasFocus() ? null : 0;
      hiddenAt = document.visibilityState === "hidden" ? 0 : null;
    },
    /** The signals of the answer being sent (an absence still open counts up to now). */
    snapshot() {
      const at = now();
      const open = (list, since) =>
        since === null ? list : [...list, { at_ms: since, duration_ms: at - since }].slice(0, MAX_EVENTS);
      return {
        first_key_ms: first,
        typing_ms: first === null ? null : last - first,
        keystrokes,
        pastes: [...pastes],
        blurs: open(blurs, blurredAt),
        hidden: open(hidden, hiddenAt),
      };
    },
  };
}

/** A calm countdown for the answer's time limit; past it, a note that answers still count. */
export function createCountdown(element) {
  let timer = null;
  let deadline = null;
  const render = () => {
    const left = Math.round((deadline - performance.now()) / 1000);
    if (left > 0) {
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      element.textContent = `Time for this answer: ${minutes}:${seconds} left`;
      element.classList.remove("over");
    } else {
      element.textContent = "The suggested time is up. Take a moment to finish: your answer will still be sent.";
      element.classList.add("over");
      stop();
    }
  };
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  return {
    /** Count down `seconds` from now (null: no limit, hide it). */
    start(seconds) {
      stop();
      if (seconds === null || seconds === undefined) {
        element.hidden = true;
        return;
      }
      deadline = performance.now() + seconds * 1000;
      element.hidden = false;
      render();
      if (seconds > 0) timer = setInterval(render, 1000);
    },
    stop() {
      stop();
      element.hidden = true;
    },
  };
}
