// Wederhoor inbox: live updates (server-sent events), keyboard shortcuts, the command bar and
// presence. Plain ES module, no build step. Every page works without it; this only makes it faster.

const body = document.body;
const csrf = body.dataset.csrf;
const page = body.dataset.page;

async function refresh(url, target) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.ok) {
    target.innerHTML = await response.text();
    markSelection();
  }
}

function catchUp() {
  if (page === "inbox") {
    refresh(body.dataset.listUrl, document.getElementById("conv-list"));
  } else if (page === "conversation") {
    refresh("/c/" + body.dataset.conversation + "?fragment=thread", document.getElementById("thread"));
  } else if (page === "wall") {
    refreshWall();
  }
}

// The wall view (`/rapporten/wand`): today's figures again after every change, at most one
// request per two seconds however busy the stream is.
let wallTimer = null;
function refreshWall() {
  if (wallTimer) return;
  wallTimer = setTimeout(() => {
    wallTimer = null;
    refresh("/rapporten/wand?fragment=1", document.getElementById("wall"));
  }, 2000);
}

// ----- live updates -----
// One stream per page while it is shown. A page kept in the back/forward cache closes its stream
// (on `pagehide`) and opens a new one when it is shown again (`pageshow`): a browser has only a
// few connections per server, and cached pages holding theirs would stall the next click. The
// server ends the oldest stream of a session when a newer one would exceed its cap; that page
// reconnects once it is visible again. `body.dataset.live` tells the state (tests read it).
let events = null;

function openStream() {
  if (events || !page || !window.EventSource) return;
  body.dataset.live = "connecting";
  const stream = new EventSource("/events");
  events = stream;
  // Whatever changed between rendering this page and the stream connecting (or while it was
  // reconnecting, or cached) has no event of its own: catch up once the stream is open.
  stream.addEventListener("open", () => {
    body.dataset.live = "open";
    catchUp();
  });
  stream.addEventListener("error", () => {
    if (events === stream) body.dataset.live = "connecting";
  });
  stream.addEventListener("change", (e) => {
    const event = JSON.parse(e.data);
    // A new alert of the burst detector: the alerts page shows it, other pages say so.
    if (event.kind === "alert") {
      if (page === "alerts") location.reload();
      const notice = document.getElementById("alert-notice");
      if (notice) notice.hidden = false;
      return;
    }
    if (page === "wall") {
      if (event.kind !== "presence") refreshWall();
    } else if (page === "inbox") {
      if (event.kind !== "presence") {
        refresh(body.dataset.listUrl, document.getElementById("conv-list"));
      }
    } else if (page === "conversation" && String(event.conversation) === body.dataset.conversation) {
      if (event.kind === "presence") {
        showPresence(event.viewers);
      } else {
        refresh("/c/" + body.dataset.conversation + "?fragment=thread", document.getElementById("thread"));
      }
    }
  });
  // A newer page of this session took our place: stay closed until this page is looked at again.
  stream.addEventListener("replaced", () => closeStream("replaced"));
}

function closeStream(state) {
  if (events) {
    events.close();
    events = null;
  }
  body.dataset.live = state;
}

if (page && window.EventSource) {
  window.addEventListener("pagehide", () => closeStream("closed"));
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) openStream();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && body.dataset.live === "replaced") openStream();
  });
  openStream();
}

// ----- keyboard shortcuts (the list for this page: `?`) -----
let selected = 0;
function rows() {
  return Array.from(document.querySelectorAll("tr.conv"));
}
function markSelection() {
  const all = rows();
  all.forEach((row, i) => row.classList.toggle("selected", i === selected));
}

/// Posts a small form (with the session's CSRF token), as the buttons on the case page do.
function post(action, fields) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  for (const [name, value] of Object.entries({ csrf, ...fields })) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  body.append(form);
  form.submit();
}

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  return dialog;
}

document.addEventListener("keydown", (e) => {
  // Ctrl/Cmd-K: the command bar, from anywhere (also from a text field).
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
    const dialog = openDialog("command-bar");
    if (dialog) {
      e.preventDefault();
      const input = dialog.querySelector("input");
      input.value = "";
      filterCommands("");
      input.focus();
    }
    return;
  }
  // Ctrl/Cmd-Enter in the reply box sends the reply.
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target.id === "reply-text") {
    const form = document.getElementById("composer");
    if (form && form.reportValidity()) {
      e.preventDefault();
      form.requestSubmit();
    }
    return;
  }
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) {
    return;
  }
  if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard
  if (e.key === "?") {
    if (openDialog("shortcut-help")) e.preventDefault();
    return;
  }
  if (page === "inbox") {
    const all = rows();
    const row = all[selected];
    if (e.key === "j" && all.length) { selected = Math.min(selected + 1, all.length - 1); markSelection(); }
    else if (e.key === "k" && all.length) { selected = Math.max(selected - 1, 0); markSelection(); }
    else if ((e.key === "o" || e.key === "Enter") && row) { location.href = row.dataset.href; }
    else if (e.key === "r" && row) { location.href = `${row.dataset.href}#reply`; }
    else if (e.key === "a" && row) { post(`/c/${row.dataset.id}/assign`, { owner: "me", back: body.dataset.back || "/inbox" }); }
    else if (e.key === "e" && row) { post(`/c/${row.dataset.id}/state`, { state: "closed", back: body.dataset.back || "/inbox" }); }
    else { return; }
    e.preventDefault();
  } else if (page === "escalations") {
    // j / k: the next or previous escalation card (it takes the focus, Tab reaches its buttons).
    const cards = Array.from(document.querySelectorAll(".escalation-card"));
    if (!cards.length || (e.key !== "j" && e.key !== "k")) return;
    const at = cards.indexOf(document.activeElement.closest(".escalation-card"));
    const next = e.key === "j" ? Math.min(at + 1, cards.length - 1) : Math.max(at - 1, 0);
    cards[next].focus();
    e.preventDefault();
  } else if (page === "conversation") {
    if (e.key === "r") { document.getElementById("reply-text").focus(); }
    else if (e.key === "a") { document.getElementById("assign-me").submit(); }
    else if (e.key === "t") {
      const picker = document.getElementById("canned-picker");
      if (!picker) return;
      picker.open = true;
      document.getElementById("canned-search").focus();
    }
    else if (e.key === "e") { document.getElementById("close-form").submit(); }
    else if (e.key === "u" || e.key === "Escape") { location.href = "/inbox"; }
    else { return; }
    e.preventDefault();
  }
});
markSelection();
if (page === "conversation" && location.hash === "#reply") {
  const text = document.getElementById("reply-text");
  if (text) text.focus();
}

// ----- the command bar: a conversation number, or a page from the menu -----
function commandTargets() {
  return Array.from(document.querySelectorAll("#command-list a"));
}
function filterCommands(q) {
  const query = q.trim().toLowerCase();
  const number = /^#?\d+$/.test(query) ? query.replace("#", "") : null;
  const direct = document.getElementById("command-case");
  if (direct) {
    direct.hidden = !number;
    if (number) {
      direct.href = `/c/${number}`;
      direct.textContent = `${direct.dataset.label} #${number}`;
    }
  }
  for (const a of commandTargets()) {
    if (a === direct) continue;
    a.parentElement.hidden = number !== null || (query !== "" && !a.textContent.toLowerCase().includes(query));
  }
}
const commandBar = document.getElementById("command-bar");
if (commandBar) {
  const list = document.getElementById("command-list");
  // The menu of this page is the list of places to go.
  for (const link of document.querySelectorAll("header.top nav a")) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = link.getAttribute("href");
    a.textContent = link.textContent;
    li.append(a);
    list.append(li);
  }
  const input = commandBar.querySelector("input");
  input.addEventListener("input", () => filterCommands(input.value));
  commandBar.querySelector("form").addEventListener("submit", (e) => {
    e.preventDefault();
    const first = commandTargets().find((a) => !a.hidden && !a.parentElement.hidden);
    if (first) location.href = first.href;
  });
}

// ----- presence: who else is viewing or typing here -----
function showPresence(viewers) {
  const box = document.getElementById("presence");
  if (!box) return;
  const me = body.dataset.agent;
  const others = viewers.filter((v) => String(v.agent) !== me);
  box.textContent = "";
  if (!others.length) return;
  box.append(box.dataset.label + " ");
  for (const v of others) {
    const span = document.createElement("span");
    span.dataset.agent = v.agent;
    span.textContent = `${v.name} (${v.typing ? box.dataset.typing : box.dataset.viewing})`;
    box.append(span, " ");
  }
}

if (page === "conversation") {
  const url = `/c/${body.dataset.conversation}/presence`;
  let lastInput = 0;
  let lastTyping = false;
  const beat = async () => {
    const typing = Date.now() - lastInput < 4000;
    lastTyping = typing;
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ typing }),
      });
      if (response.ok) showPresence(await response.json());
    } catch (_) { /* offline for a moment: the next beat tries again */ }
  };
  const text = document.getElementById("reply-text");
  if (text) {
    text.addEventListener("input", () => {
      const wasTyping = lastTyping;
      lastInput = Date.now();
      if (!wasTyping) beat();
    });
  }
  beat();
  setInterval(beat, 5000);
  window.addEventListener("pagehide", () => {
    fetch(url, {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ typing: false, here: false }),
    });
  });
  // Back from the back/forward cache: say we are here again right away.
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) beat();
  });
}

// An incident's suggested reply goes into the composer in one click (without JavaScript the link
// reloads the page with the reply filled in).
for (const link of document.querySelectorAll("a.use-suggestion")) {
  link.addEventListener("click", (e) => {
    const text = document.getElementById("reply-text");
    if (!text) return;
    e.preventDefault();
    text.value = link.dataset.reply;
    text.focus();
  });
}

// A canned reply goes into the composer, filled in for the case, without a reload (without
// JavaScript the link reloads the page with it filled in).
for (const link of document.querySelectorAll("a.canned-use")) {
  link.addEventListener("click", (e) => {
    const text = document.getElementById("reply-text");
    if (!text) return;
    e.preventDefault();
    text.value = link.dataset.text;
    text.dispatchEvent(new Event("input"));
    text.focus();
  });
}

// A refused reply comes back as the answer to its POST: show the case's own address, so a
// reload reads the case instead of sending the form again.
if (page === "conversation" && /\/(reply|prive)$/.test(location.pathname)) {
  history.replaceState(null, "", "/c/" + body.dataset.conversation + "#composer");
}

// ----- the composer's counter: the channel's limit, signature included -----
const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter() : null;
function countIn(unit, text) {
  if (unit === "graphemes" && segmenter) return Array.from(segmenter.segment(text)).length;
  return Array.from(text).length;
}
const replyText = document.getElementById("reply-text");
const counter = document.getElementById("reply-counter");
if (replyText && counter && replyText.dataset.limit) {
  const limit = Number(replyText.dataset.limit);
  const extra = Number(replyText.dataset.extra || 0);
  const update = () => {
    const n = countIn(replyText.dataset.unit, replyText.value.trim()) + extra;
    counter.querySelector(".count").textContent = String(n);
    const over = n > limit;
    counter.classList.toggle("over", over);
    replyText.setAttribute("aria-invalid", over ? "true" : "false");
    counter.dataset.state = over ? "over" : "ok";
  };
  replyText.addEventListener("input", update);
  update();
}

// ----- manual delivery: copy the text to post (a button, so Tab + Enter works too) -----
document.addEventListener("click", async (e) => {
  const button = e.target.closest ? e.target.closest("button.copy") : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = button.nextElementSibling;
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.value);
    if (status) status.textContent = button.dataset.copied;
  } catch (_) {
    source.focus();
    source.select();
    if (status) status.textContent = button.dataset.failed;
  }
});

// Every listener above is attached: keys work from here on (browser tests wait for this).
document.documentElement.dataset.js = "ready";
