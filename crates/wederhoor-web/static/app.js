// Wederhoor inbox: live updates (server-sent events), keyboard shortcuts and presence.
// Plain ES module, no build step. Every page works without it; this only makes it faster.

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

// ----- live updates -----
if (page && window.EventSource) {
  const events = new EventSource("/events");
  // Whatever changed between rendering this page and the stream connecting (or while it was
  // reconnecting) has no event of its own: catch up once the stream is open.
  events.addEventListener("open", () => {
    if (page === "inbox") {
      refresh(body.dataset.listUrl, document.getElementById("conv-list"));
    } else if (page === "conversation") {
      refresh(location.pathname + "?fragment=thread", document.getElementById("thread"));
    }
  });
  events.addEventListener("change", (e) => {
    const event = JSON.parse(e.data);
    if (page === "inbox") {
      if (event.kind !== "presence") {
        refresh(body.dataset.listUrl, document.getElementById("conv-list"));
      }
    } else if (page === "conversation" && String(event.conversation) === body.dataset.conversation) {
      if (event.kind === "presence") {
        showPresence(event.viewers);
      } else {
        refresh(location.pathname + "?fragment=thread", document.getElementById("thread"));
      }
    }
  });
}

// ----- keyboard shortcuts: j/k move, o open, r reply, a assign to me, e close -----
let selected = 0;
function rows() {
  return Array.from(document.querySelectorAll("tr.conv"));
}
function markSelection() {
  const all = rows();
  all.forEach((row, i) => row.classList.toggle("selected", i === selected));
}
document.addEventListener("keydown", (e) => {
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) {
    return;
  }
  if (page === "inbox") {
    const all = rows();
    if (e.key === "j" && all.length) { selected = Math.min(selected + 1, all.length - 1); markSelection(); }
    else if (e.key === "k" && all.length) { selected = Math.max(selected - 1, 0); markSelection(); }
    else if ((e.key === "o" || e.key === "Enter") && all[selected]) { location.href = all[selected].dataset.href; }
    else { return; }
    e.preventDefault();
  } else if (page === "conversation") {
    if (e.key === "r") { document.getElementById("reply-text").focus(); }
    else if (e.key === "a") { document.getElementById("assign-me").submit(); }
    else if (e.key === "e") { document.getElementById("close-form").submit(); }
    else if (e.key === "u" || e.key === "Escape") { location.href = "/inbox"; }
    else { return; }
    e.preventDefault();
  }
});
markSelection();

// ----- presence: who else is viewing or typing here -----
function showPresence(viewers) {
  const box = document.getElementById("presence");
  if (!box) return;
  const me = body.dataset.agent;
  const others = viewers.filter((v) => String(v.agent) !== me);
  box.textContent = "";
  if (!others.length) return;
  const label = box.dataset.label || (document.documentElement.lang === "en" ? "Also in this conversation:" : "Ook in dit gesprek:");
  box.append(label + " ");
  for (const v of others) {
    const span = document.createElement("span");
    span.dataset.agent = v.agent;
    const state = v.typing
      ? (document.documentElement.lang === "en" ? "typing…" : "typt…")
      : (document.documentElement.lang === "en" ? "viewing" : "kijkt mee");
    span.textContent = `${v.name} (${state})`;
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
}
