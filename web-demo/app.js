// siogo chat: a small Socket.IO chat that shows what Socket.IO does for you —
// rooms, presence, acknowledgements, volatile events, transport upgrade and
// automatic reconnection with backoff.
//
// URL options:
//   ?name=alice            log in as alice right away
//   ?transports=polling    client `transports` option (comma-separated list)

const KNOWN_ROOMS = [
  { name: "lobby", about: "everyone" },
  { name: "random", about: "off-topic" },
  { name: "staff", about: "staff only", restricted: true },
];
const DEFAULT_ROOM = "lobby";
const TYPING_THROTTLE_MS = 2000; // at most one typing:true per 2 s
const TYPING_IDLE_MS = 3000; // typing:false after this long without a key
const TYPING_EXPIRE_MS = 5000; // drop someone's indicator if not refreshed
const ACK_TIMEOUT_MS = 10000;

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const ui = {
  connState: $("conn-state"),
  transport: $("transport"),
  node: $("node"),
  me: $("me"),
  meName: $("me-name"),
  logout: $("logout"),
  banner: $("conn-banner"),
  detail: $("conn-detail"),
  retry: $("retry"),
  loginView: $("login-view"),
  loginForm: $("login-form"),
  nameInput: $("name-input"),
  loginError: $("login-error"),
  loginButton: $("login"),
  chatView: $("chat-view"),
  rooms: $("rooms"),
  joinError: $("join-error"),
  presenceRoom: $("presence-room"),
  presenceCount: $("presence-count"),
  presence: $("presence"),
  roomTitle: $("room-title"),
  leave: $("leave"),
  messages: $("messages"),
  empty: $("empty"),
  typing: $("typing"),
  composer: $("composer"),
  input: $("message-input"),
  send: $("send"),
  log: $("log"),
};

/** One room as this page sees it. */
function newRoom(name, info = {}) {
  return {
    name,
    about: info.about || "",
    restricted: !!info.restricted,
    status: "out", // out | joining | joined | refused
    error: "",
    members: [],
    stale: false, // members list from before a disconnection
    entries: [], // message/notice elements, in order
    byId: new Map(), // own messages by id, for acks and delivery receipts
    typing: new Map(), // name -> expiry timer
    unread: 0,
    button: null,
  };
}

const state = {
  name: "",
  socket: null,
  rooms: new Map(KNOWN_ROOMS.map((r) => [r.name, newRoom(r.name, r)])),
  wanted: new Set(), // rooms to be in; re-joined after each (re)connect
  current: "",
  conn: "idle",
  tokenExpiry: 0, // when the token of the current session expires (local clock)
  retry: null, // {attempt, delay, at} of the next scheduled reconnection
  lastError: "",
  ticker: 0,
  typingOut: { active: false, room: "", lastTrue: 0, idle: 0, pending: 0 },
};

// ---------------------------------------------------------------------------
// Small helpers

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "title" || k === "datetime") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** The arguments that are not null or undefined (replaceChildren would print "null"). */
function present(...nodes) {
  return nodes.filter((n) => n !== null && n !== undefined);
}

function uid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function seconds(ms) {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function log(text) {
  const t = new Date().toLocaleTimeString([], { hour12: false });
  ui.log.prepend(el("li", {}, el("time", { text: t }), " ", text));
  while (ui.log.children.length > 200) ui.log.lastElementChild.remove();
}

function errorText(err) {
  if (!err) return "";
  const code = err.data?.code;
  return code ? `${err.message} (${code})` : String(err.message || err);
}

function intOption(name, fallback) {
  const v = Number.parseInt(params.get(name) ?? "", 10);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

// ---------------------------------------------------------------------------
// Tokens

/**
 * POST /api/token {name} → {token, name, rooms, expiresAt, expiresIn}; throws
 * with the server's error. Adds `expiry`: when the token expires by this
 * page's clock (from expiresIn, so that a skewed clock does not matter).
 */
async function fetchToken(name) {
  let res;
  try {
    res = await fetch("/api/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
  } catch (err) {
    throw new Error(`cannot reach the server (${err.message})`);
  }
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: fall through to the status
  }
  if (!res.ok || !body.token) throw new Error(body.error || `the server answered ${res.status}`);
  body.expiry = Date.now() + (Number.isFinite(body.expiresIn) ? body.expiresIn : body.expiresAt - Date.now());
  return body;
}

// ---------------------------------------------------------------------------
// Connection status

const CONN_LABEL = {
  idle: "not connected",
  connecting: "connecting…",
  connected: "connected",
  reconnecting: "reconnecting…",
  disconnected: "disconnected",
  refused: "refused",
  failed: "gave up",
};

function setConn(conn) {
  state.conn = conn;
  renderConn();
  renderComposer();
}

function renderConn() {
  const { conn, retry } = state;
  let label = CONN_LABEL[conn] || conn;
  if (conn === "reconnecting" && retry) label = `reconnecting · attempt ${retry.attempt}`;
  ui.connState.textContent = label;
  ui.connState.dataset.state = conn;
  ui.connState.dataset.attempt = retry && conn === "reconnecting" ? String(retry.attempt) : "";

  let detail = "";
  if (conn === "reconnecting" && retry) {
    const left = retry.at - Date.now();
    const when = left > 0 ? `in ${seconds(left)}` : "now";
    detail = `Connection lost. Reconnection attempt ${retry.attempt} ${when} — backoff ${retry.delay} ms ` +
      `(${state.backoffRule}).`;
    if (state.lastError) detail += ` Last error: ${state.lastError}.`;
  } else if (conn === "refused") {
    detail = `The server refused the connection: ${state.lastError}.`;
  } else if (conn === "failed") {
    detail = `Gave up reconnecting. Last error: ${state.lastError || "none"}.`;
  } else if (conn === "disconnected") {
    detail = `Disconnected${state.lastError ? `: ${state.lastError}` : ""}.`;
  } else if (conn === "connecting" && state.lastError) {
    detail = `Connecting… (${state.lastError})`;
  }
  ui.detail.textContent = detail;
  ui.banner.hidden = !detail;
  ui.banner.dataset.state = conn;
  ui.retry.hidden = !["refused", "failed", "disconnected"].includes(conn);

  // A countdown while a reconnection is scheduled.
  const ticking = conn === "reconnecting" && retry && retry.at > Date.now();
  if (ticking && !state.ticker) state.ticker = setInterval(renderConn, 200);
  if (!ticking && state.ticker) {
    clearInterval(state.ticker);
    state.ticker = 0;
  }
}

function setTransport(name) {
  ui.transport.textContent = name || "–";
  ui.transport.dataset.transport = name || "";
  ui.transport.title = name === "websocket" ? "WebSocket" : name === "polling" ? "HTTP long-polling" : "";
}

/** Follow the engine (one per connection) for transport upgrades. */
const watchedEngines = new WeakSet();
function watchEngine(engine) {
  if (!engine || watchedEngines.has(engine)) return;
  watchedEngines.add(engine);
  setTransport(engine.transport?.name);
  engine.on("upgrade", (transport) => {
    setTransport(transport.name);
    log(`transport upgraded to ${transport.name}`);
  });
}

// ---------------------------------------------------------------------------
// Login / logout

async function login(rawName) {
  const name = rawName.trim();
  showLoginError("");
  if (!name) return showLoginError("Please enter a name.");
  if (typeof io !== "function") {
    return showLoginError("The Socket.IO client did not load from /socket.io/socket.io.min.js.");
  }
  ui.loginButton.disabled = true;
  let first;
  try {
    first = await fetchToken(name);
  } catch (err) {
    ui.loginButton.disabled = false;
    return showLoginError(`Cannot log in: ${err.message}`);
  }
  ui.loginButton.disabled = false;
  state.name = first.name || name;
  try {
    localStorage.setItem("siogo-chat-name", state.name);
  } catch {
    // storage may be unavailable
  }
  for (const r of first.rooms || []) if (!state.rooms.has(r)) state.rooms.set(r, newRoom(r));
  ui.meName.textContent = state.name;
  ui.me.hidden = false;
  ui.loginView.hidden = true;
  ui.chatView.hidden = false;
  state.wanted.add(DEFAULT_ROOM);
  state.current = DEFAULT_ROOM;
  state.rooms.get(DEFAULT_ROOM).status = "joining";
  renderRooms();
  selectRoom(DEFAULT_ROOM);
  connect(first);
  ui.input.focus();
}

function showLoginError(text) {
  ui.loginError.textContent = text;
  ui.loginError.hidden = !text;
  if (text) ui.nameInput.setAttribute("aria-invalid", "true");
  else ui.nameInput.removeAttribute("aria-invalid");
}

function logout() {
  stopTyping();
  state.socket?.disconnect();
  state.socket = null;
  const url = new URL(location.href);
  url.searchParams.delete("name");
  history.replaceState(null, "", url);
  location.reload();
}

// ---------------------------------------------------------------------------
// Socket

function connect(firstToken) {
  let pending = firstToken;
  const opts = {
    // A function, so that every (re)connection gets a fresh short-lived token.
    auth: (cb) => {
      const use = (t) => {
        state.tokenExpiry = t.expiry;
        cb({ token: t.token });
      };
      if (pending && pending.expiry - Date.now() > 15000) {
        const t = pending;
        pending = null;
        return use(t);
      }
      pending = null;
      fetchToken(state.name).then(
        use,
        (err) => {
          log(`token: ${err.message}`);
          state.tokenExpiry = 0;
          cb({}); // the server answers token_missing, which is shown
        },
      );
    },
    reconnectionDelay: intOption("reconnectionDelay", 1000),
    reconnectionDelayMax: intOption("reconnectionDelayMax", 5000),
  };
  const transports = (params.get("transports") || "").split(",").map((s) => s.trim()).filter(Boolean);
  if (transports.length) opts.transports = transports;
  state.backoffRule = `${opts.reconnectionDelay} ms × 2^(attempt−1), at most ${opts.reconnectionDelayMax} ms, ±50% jitter`;

  setConn("connecting");
  const socket = io(opts);
  state.socket = socket;
  const manager = socket.io;
  watchBackoff(manager, opts);

  manager.on("open", () => watchEngine(manager.engine));
  manager.on("reconnect_attempt", (attempt) => {
    state.retry = { attempt, delay: state.retry?.delay ?? 0, at: Date.now() };
    log(`reconnect_attempt #${attempt}`);
    setConn("reconnecting");
  });
  manager.on("reconnect_error", (err) => {
    state.lastError = errorText(err);
    log(`reconnect_error: ${state.lastError}`);
    renderConn();
  });
  manager.on("reconnect", (attempt) => {
    log(`reconnect after ${attempt} attempt${attempt === 1 ? "" : "s"}`);
  });
  manager.on("reconnect_failed", () => {
    log("reconnect_failed");
    state.retry = null;
    setConn("failed");
  });

  socket.on("connect", () => {
    watchEngine(manager.engine);
    setTransport(manager.engine?.transport?.name);
    state.retry = null;
    state.lastError = "";
    log(`connect id=${socket.id} via ${manager.engine?.transport?.name}${socket.recovered ? " (state recovered)" : ""}`);
    setConn("connected");
    if (socket.recovered) {
      // Connection state recovery: the server kept our rooms.
      for (const room of state.wanted) {
        const r = state.rooms.get(room);
        if (r) Object.assign(r, { status: "joined", stale: false });
      }
      renderRooms();
      renderPresence();
      renderComposer();
    } else {
      for (const room of state.wanted) join(room, { select: false, quiet: true });
    }
  });

  socket.on("disconnect", (reason, details) => {
    const why = details?.description?.message || details?.message || "";
    log(`disconnect: ${reason}${why ? ` (${why})` : ""}`);
    stopTyping();
    for (const r of state.rooms.values()) {
      r.stale = r.status === "joined";
      clearTyping(r);
      if (r.status === "joined") r.status = "joining";
    }
    renderRooms();
    renderPresence();
    renderTyping();
    setTransport("");
    if (reason === "io client disconnect") return setConn("idle");
    state.lastError = reason;
    if (reason === "io server disconnect" && state.tokenExpiry && Date.now() >= state.tokenExpiry) {
      // The server ends a session when its token expires (after its
      // leeway): connect again, the auth function fetches a new token. Any
      // other server disconnect (a kick) is final, as socket.io intends.
      log("the server ended the session: reconnecting with a fresh token");
      setConn("connecting");
      socket.connect();
      return;
    }
    if (socket.active) {
      if (!state.retry) state.retry = { attempt: 1, delay: 0, at: Date.now() };
      setConn("reconnecting");
    } else {
      setConn("disconnected");
    }
  });

  socket.on("connect_error", (err) => {
    state.lastError = errorText(err);
    log(`connect_error: ${state.lastError}`);
    if (socket.active) {
      // A temporary failure: the manager retries by itself.
      renderConn();
    } else {
      // Refused by the server (e.g. a bad token): no automatic retry.
      state.retry = null;
      setConn("refused");
    }
  });

  socket.on("welcome", ({ id, name, node } = {}) => {
    ui.node.textContent = node || "–";
    ui.node.title = node ? `served by node ${node}` : "";
    if (name) ui.meName.textContent = name;
    log(`welcome: ${name} on node ${node} (id ${id})`);
  });

  socket.on("presence", ({ room, members } = {}) => {
    const r = state.rooms.get(room);
    if (!r || r.status === "out" || r.status === "refused") return;
    // Before our join is acknowledged the list is news to us: no notices.
    updateMembers(r, members || [], { quiet: r.status !== "joined" });
  });

  socket.on("message", (msg, ack) => {
    if (typeof ack === "function") ack(); // the receipt that makes "delivered" count
    receive(msg || {});
  });

  socket.on("delivered", ({ room, id, count } = {}) => {
    const m = state.rooms.get(room)?.byId.get(id);
    if (!m) return;
    m.delivered = count;
    renderStatus(m);
  });

  socket.on("typing", ({ room, name, typing } = {}) => {
    const r = state.rooms.get(room);
    if (!r || !name || name === state.name) return;
    setTyping(r, name, typing);
  });
}

/**
 * Record each reconnection delay as the manager draws it, so the page can
 * show the real backoff (with jitter) and count down to the next attempt.
 */
function watchBackoff(manager, opts) {
  const backoff = manager.backoff;
  if (backoff && typeof backoff.duration === "function") {
    const duration = backoff.duration;
    backoff.duration = function (...args) {
      const delay = duration.apply(this, args);
      state.retry = { attempt: this.attempts, delay, at: Date.now() + delay };
      queueMicrotask(renderConn);
      return delay;
    };
    return;
  }
  // No backoff object: compute the nominal delay of each attempt instead.
  manager.on("reconnect_error", () => {
    const attempt = (state.retry?.attempt || 0) + 1;
    const delay = Math.min(opts.reconnectionDelayMax, opts.reconnectionDelay * 2 ** (attempt - 1));
    state.retry = { attempt, delay, at: Date.now() + delay };
  });
}

// ---------------------------------------------------------------------------
// Rooms

function join(room, { select = true, quiet = false } = {}) {
  const r = state.rooms.get(room) || state.rooms.set(room, newRoom(room)).get(room);
  const socket = state.socket;
  if (!socket) return;
  showJoinError("");
  state.wanted.add(room);
  r.status = "joining";
  r.error = "";
  renderRooms();
  if (!socket.connected) return; // joined by the "connect" handler
  socket.timeout(ACK_TIMEOUT_MS).emit("join", room, (err, res) => {
    if (err && !socket.connected) return; // connection lost: joined again on reconnect
    if (err) {
      r.status = "out";
      r.error = "no answer from the server";
      state.wanted.delete(room);
      showJoinError(`Could not join #${room}`, "No answer from the server.");
    } else if (res?.ok) {
      r.status = "joined";
      r.error = "";
      updateMembers(r, res.members || [], { quiet: true });
      if (!quiet) notice(r, `You joined #${room}.`);
      if (select) selectRoom(room);
    } else {
      r.status = "refused";
      r.error = res?.message || res?.error || "refused";
      state.wanted.delete(room);
      const code = res?.error ? ` (${res.error})` : "";
      showJoinError(`#${room} is restricted`, `The server refused to let you in: ${r.error}${code}.`);
      log(`join ${room} refused: ${r.error}${code}`);
    }
    renderRooms();
    renderComposer();
  });
}

function leave(room) {
  const r = state.rooms.get(room);
  if (!r) return;
  stopTyping();
  state.wanted.delete(room);
  r.status = "out";
  r.members = [];
  r.stale = false;
  clearTyping(r);
  state.socket?.timeout(ACK_TIMEOUT_MS).emit("leave", room, () => {});
  notice(r, `You left #${room}.`);
  const next = [...state.wanted][0] || "";
  selectRoom(next);
  renderRooms();
}

function showJoinError(title, detail = "") {
  ui.joinError.replaceChildren(
    ...present(
      el("strong", { class: "join-error-title", text: title }),
      detail ? el("span", { class: "join-error-detail", text: detail }) : null,
    ),
  );
  ui.joinError.hidden = !title;
}

function selectRoom(room) {
  if (state.current !== room) stopTyping();
  state.current = room;
  const r = state.rooms.get(room);
  if (r) r.unread = 0;
  ui.messages.replaceChildren(...(r ? r.entries : []));
  ui.roomTitle.textContent = r ? `#${r.name}` : "No room";
  ui.roomTitle.dataset.room = room || "";
  ui.leave.hidden = !r;
  renderRooms();
  renderPresence();
  renderTyping();
  renderComposer();
  scrollToEnd(true);
}

function renderRooms() {
  for (const r of state.rooms.values()) {
    if (!r.button) {
      r.button = el("button", { type: "button", class: "room-button", "data-testid": `room-${r.name}`, "data-room": r.name });
      r.button.addEventListener("click", () => onRoomClick(r.name));
      ui.rooms.append(el("li", {}, r.button));
    }
    const b = r.button;
    const current = r.name === state.current && r.status !== "refused";
    b.dataset.status = r.status;
    if (current) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
    const badge =
      r.status === "joined" ? (r.unread ? el("span", { class: "badge", text: String(r.unread), title: `${r.unread} unread` }) : null)
      : r.status === "joining" ? el("span", { class: "tag", text: "joining…" })
      : r.status === "refused" ? el("span", { class: "tag tag-refused", text: "refused" })
      : el("span", { class: "tag", text: "join" });
    b.replaceChildren(...present(
      el("span", { class: "room-name" }, `#${r.name}`, r.restricted ? lockIcon() : null),
      el("span", { class: "room-about", text: r.about }),
      badge,
    ));
    const what = { joined: "joined", joining: "joining", refused: "refused", out: "not joined" }[r.status];
    b.setAttribute("aria-label", `#${r.name}${r.restricted ? ", restricted" : ""}, ${what}${r.unread ? `, ${r.unread} unread` : ""}`);
  }
}

/** A small padlock (SVG: no emoji font needed). */
function lockIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", "lock");
  svg.setAttribute("aria-hidden", "true");
  const body = document.createElementNS(ns, "rect");
  for (const [k, v] of Object.entries({ x: 3, y: 7, width: 10, height: 7, rx: 1.5 })) body.setAttribute(k, v);
  const shackle = document.createElementNS(ns, "path");
  shackle.setAttribute("d", "M5 7V5a3 3 0 0 1 6 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.6");
  body.setAttribute("fill", "currentColor");
  svg.append(shackle, body);
  return svg;
}

function onRoomClick(room) {
  const r = state.rooms.get(room);
  if (r.status === "joined" || r.status === "joining") selectRoom(room);
  else join(room);
}

// ---------------------------------------------------------------------------
// Presence and typing

function updateMembers(r, members, { quiet = false } = {}) {
  const before = new Set(r.members);
  const after = [...new Set(members)].sort((a, b) => a.localeCompare(b));
  if (!quiet && !r.stale) {
    for (const m of after) if (!before.has(m) && m !== state.name) notice(r, `${m} joined #${r.name}.`);
    for (const m of before) if (!after.includes(m) && m !== state.name) notice(r, `${m} left #${r.name}.`);
  }
  r.members = after;
  r.stale = false;
  for (const m of r.typing.keys()) if (!after.includes(m)) setTyping(r, m, false);
  if (r.name === state.current) renderPresence();
}

function renderPresence() {
  const r = state.rooms.get(state.current);
  ui.presenceRoom.textContent = r ? `#${r.name}` : "–";
  const members = r && r.status !== "out" && r.status !== "refused" ? r.members : [];
  ui.presenceCount.textContent = members.length ? String(members.length) : "";
  ui.presence.classList.toggle("stale", !!r?.stale);
  ui.presence.title = r?.stale ? "last known members — reconnecting" : "";
  ui.presence.replaceChildren(
    ...members.map((m) =>
      el("li", { "data-member": m, class: m === state.name ? "member self" : "member" },
        el("span", { class: "dot", "aria-hidden": "true" }),
        el("span", { class: "member-name", text: m }),
        m === state.name ? el("span", { class: "you", text: "(you)" }) : null,
      )),
  );
}

function setTyping(r, name, typing) {
  clearTimeout(r.typing.get(name));
  if (typing) r.typing.set(name, setTimeout(() => setTyping(r, name, false), TYPING_EXPIRE_MS));
  else r.typing.delete(name);
  if (r.name === state.current) renderTyping();
}

function clearTyping(r) {
  for (const t of r.typing.values()) clearTimeout(t);
  r.typing.clear();
}

function renderTyping() {
  const r = state.rooms.get(state.current);
  const names = r ? [...r.typing.keys()].sort() : [];
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = `${names.length} people are typing…`;
  ui.typing.textContent = text;
  ui.typing.dataset.names = names.join(",");
}

function onInput() {
  const room = state.current;
  const socket = state.socket;
  if (!room || !socket?.connected) return;
  if (!ui.input.value.trim()) return stopTyping();
  const t = state.typingOut;
  if (t.room !== room) stopTyping();
  t.active = true;
  t.room = room;
  const wait = t.lastTrue + TYPING_THROTTLE_MS - Date.now();
  if (wait <= 0) sendTyping();
  else if (!t.pending) t.pending = setTimeout(sendTyping, wait); // throttled: send when allowed
  clearTimeout(t.idle);
  t.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
}

/** typing:true for the room being typed in, at most once per TYPING_THROTTLE_MS. */
function sendTyping() {
  const t = state.typingOut;
  clearTimeout(t.pending);
  t.pending = 0;
  if (!t.active || !state.socket?.connected) return;
  // volatile: a typing hint that cannot be sent right now is just dropped
  state.socket.volatile.emit("typing", { room: t.room, typing: true });
  t.lastTrue = Date.now();
}

function stopTyping() {
  const t = state.typingOut;
  clearTimeout(t.idle);
  clearTimeout(t.pending);
  t.pending = 0;
  if (!t.active) return;
  t.active = false;
  if (state.socket?.connected) state.socket.volatile.emit("typing", { room: t.room, typing: false });
}

// ---------------------------------------------------------------------------
// Messages

function scrollToEnd(force = false) {
  const box = ui.messages;
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (force || near) box.scrollTop = box.scrollHeight;
}

function addEntry(r, li) {
  r.entries.push(li);
  if (r.entries.length > 500) r.entries.shift().remove();
  if (r.name === state.current) {
    ui.messages.append(li);
    scrollToEnd(li.classList.contains("mine"));
    renderComposer();
  }
}

function notice(r, text) {
  addEntry(r, el("li", { class: "notice", "data-testid": "notice", text }));
}

function messageElement(m) {
  const li = el("li", {
    class: m.mine ? "msg mine" : "msg",
    "data-testid": "message",
    "data-id": m.id,
    "data-from": m.from,
  },
  el("div", { class: "msg-meta" },
    el("span", { class: "msg-from", text: m.mine ? "You" : m.from }),
    " ",
    el("time", { class: "msg-time", datetime: new Date(m.at).toISOString(), text: clock(m.at) }),
  ),
  el("p", { class: "msg-text", "data-testid": "message-text", text: m.text }),
  );
  if (m.mine) {
    m.statusEl = el("span", { class: "msg-status", "data-testid": "msg-status" });
    li.append(m.statusEl);
  }
  return li;
}

function renderStatus(m) {
  const s = m.statusEl;
  let status;
  let text;
  let title;
  if (m.delivered !== undefined) {
    status = "delivered";
    text = `✓✓ delivered to ${m.delivered}`;
    title = `${m.delivered} ${m.delivered === 1 ? "person has" : "people have"} received it`;
  } else if (m.error) {
    status = "failed";
    text = `✗ ${m.error}`;
    title = "not sent";
  } else if (m.acked) {
    status = "sent";
    text = "✓";
    title = "sent: the server has it";
  } else {
    status = "sending";
    text = "…";
    title = "sending";
  }
  if (s.dataset.status !== status) {
    // The states it went through, e.g. "sending sent delivered".
    s.dataset.history = s.dataset.history ? `${s.dataset.history} ${status}` : status;
  }
  s.dataset.status = status;
  s.textContent = text;
  s.title = title;
}

function send(text) {
  const room = state.current;
  const r = state.rooms.get(room);
  const socket = state.socket;
  if (!r || r.status !== "joined" || !socket?.connected || !text) return;
  stopTyping();
  const m = { id: uid(), room, from: state.name, text, at: Date.now(), mine: true, acked: false };
  r.byId.set(m.id, m);
  const li = messageElement(m);
  renderStatus(m);
  addEntry(r, li);
  socket.timeout(ACK_TIMEOUT_MS).emit("message", { room, id: m.id, text }, (err, res) => {
    if (err) m.error = socket.connected ? "no acknowledgement (timeout)" : "no acknowledgement: connection lost";
    else if (res?.ok) {
      m.acked = true;
      if (res.at) m.at = res.at;
    } else {
      m.error = res?.message || res?.error || "refused";
      if (res?.error && res?.message) m.error = `${res.message} (${res.error})`;
    }
    renderStatus(m);
  });
}

function receive({ room, id, from, text, at }) {
  const r = state.rooms.get(room);
  if (!r) return;
  if (from) setTyping(r, from, false);
  addEntry(r, messageElement({ id, room, from, text, at: at || Date.now(), mine: false }));
  if (room !== state.current) {
    r.unread++;
    renderRooms();
  }
}

function renderComposer() {
  const r = state.rooms.get(state.current);
  const ready = state.conn === "connected" && r?.status === "joined";
  ui.input.disabled = !ready;
  ui.send.disabled = !ready;
  ui.input.placeholder = !r ? "Join a room to chat"
    : ready ? `Message #${r.name}`
    : state.conn !== "connected" ? "Waiting for the connection…"
    : `Joining #${r.name}…`;
  ui.empty.hidden = !!(r && r.entries.length);
  ui.empty.textContent = r ? `No messages in #${r.name} yet. Say hello!` : "Join a room on the left to start chatting.";
}

// ---------------------------------------------------------------------------
// Wiring

ui.loginForm.addEventListener("submit", (e) => {
  e.preventDefault();
  login(ui.nameInput.value);
});
ui.logout.addEventListener("click", logout);
ui.retry.addEventListener("click", () => {
  const s = state.socket;
  if (!s) return;
  log("retry");
  state.lastError = "";
  setConn("connecting");
  s.connect();
});
ui.leave.addEventListener("click", () => state.current && leave(state.current));
ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = ui.input.value.trim();
  if (!text) return;
  send(text);
  ui.input.value = "";
  ui.input.focus();
});
ui.input.addEventListener("input", onInput);
ui.input.addEventListener("blur", stopTyping);

renderRooms();
renderConn();
renderComposer();

const auto = params.get("name");
try {
  ui.nameInput.value = auto || localStorage.getItem("siogo-chat-name") || "";
} catch {
  ui.nameInput.value = auto || "";
}
if (auto) login(auto);
else ui.nameInput.focus();
