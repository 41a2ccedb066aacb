// Server-sent events read from a fetch() body. EventSource cannot POST nor send an
// Authorization header, so the pages read the SSE form of the turn endpoints themselves.
// Lines end in CRLF, LF or CR (sse-starlette writes CRLF); an event ends at a blank line, and
// an unterminated event at the end of the stream is dropped, as the SSE standard says.

const LINE_END = /\r\n|\n|\r/;

/** Yields {event, data} (data parsed as JSON) from a ReadableStream of bytes. */
export async function* readSse(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const match = LINE_END.exec(buffer);
        if (match === null) break;
        // A CR at the very end may be the first half of a CRLF split across two chunks.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === "") {
          if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) };
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a keep-alive ping
        const colon = line.indexOf(":");
        const name = colon === -1 ? line : line.slice(0, colon);
        let field = colon === -1 ? "" : line.slice(colon + 1);
        if (field.startsWith(" ")) field = field.slice(1);
        if (name === "event") event = field;
        else if (name === "data") data.push(field);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
