// The API as the pages use it: JSON calls, streamed turns, and errors put into words.

import { readSse } from "./sse.js";

/** An API call that did not succeed: HTTP status (0 = the network), detail and error code. */
export class ApiError extends Error {
  constructor(status, detail, code = "") {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.code = code;
  }
}

export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A fresh Idempotency-Key. crypto.randomUUID exists only in secure contexts (https or
 *  localhost); a page served over plain http on a LAN address builds the same v4 UUID itself. */
export function newKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    // FastAPI's validation errors: [{loc: ["body", "field"], msg}]
    return detail
      .map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".") || "input"}: ${d.msg}`)
      .join("; ");
  }
  return detail === undefined ? "" : JSON.stringify(detail);
}

async function errorOf(response) {
  let detail = "";
  try {
    detail = detailText((await response.json()).detail);
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(response.status, detail, response.headers.get("X-Error-Code") || "");
}

async function call(method, path, token, body) {
  const headers = { Accept: "application/json", ...authHeaders(token) };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "The server could not be reached.", "network");
  }
  return response;
}

/** GET or POST a JSON endpoint; resolves to {status, body} for 2xx, throws ApiError otherwise. */
export async function json(method, path, token, body) {
  const response = await call(method, path, token, body);
  if (!response.ok) throw await errorOf(response);
  return { status: response.status, body: await response.json() };
}

/** A turn (start-interview or chat) over SSE. `onEvent({event, data})` sees every event but
 *  `error`; resolves once `done` arrived. Anything else (an HTTP error, an `error` event, a
 *  stream that stops early) throws ApiError, and the same key may then be sent again. */
export async function streamTurn(path, body, { token, key, onEvent }) {
  const headers = {
    Accept: "text/event-stream",
    "Content-Type": "application/json",
    "Idempotency-Key": key,
    ...authHeaders(token),
  };
  let response;
  try {
    response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The connection to the server was lost.", "network");
  }
  if (!response.ok) throw await errorOf(response);
  if (!(response.headers.get("Content-Type") || "").includes("text/event-stream")) {
    // Not a live stream (say, a stored reply replayed for a repeated key): the caller
    // re-reads the transcript instead.
    await response.text();
    return { replayed: true };
  }
  try {
    for await (const item of readSse(response.body)) {
      if (item.event === "error") {
        throw new ApiError(503, item.data.message || "", item.data.code || "turn_failed");
      }
      onEvent(item);
      if (item.event === "done") return { replayed: false };
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, "The connection to the server was lost.", "network");
  }
  throw new ApiError(0, "The reply was cut off.", "network");
}
