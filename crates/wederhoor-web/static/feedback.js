// The feedback page works without JavaScript; this only makes two things nicer:
// voting without a page reload, and showing similar ideas while a title is typed.

for (const form of document.querySelectorAll("form[data-vote]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type === "opaqueredirect") {
      // Not logged in: follow the normal form flow (to the login page).
      form.submit();
      return;
    }
    if (!response.ok) {
      form.submit();
      return;
    }
    const data = await response.json();
    const button = form.querySelector("button");
    form.querySelector("[data-votes]").textContent = String(data.votes);
    const word = form.querySelector(".sr[data-one]");
    // The plural rule of the page's language (French: 0 and 1 take the singular).
    const one = data.votes === 1 || (document.documentElement.lang === "fr" && data.votes === 0);
    if (word) word.textContent = one ? word.dataset.one : word.dataset.other;
    button.classList.toggle("voted", data.voted);
    button.setAttribute("aria-pressed", data.voted ? "true" : "false");
    form.querySelector("input[name=actie]").value = data.voted ? "intrekken" : "stem";
  });
}

const title = document.querySelector("input[data-similar]");
if (title) {
  const box = document.getElementById("similar");
  const board = document.querySelector("select[name=bord]");
  let timer = 0;
  let last = "";
  const lookup = async () => {
    const q = title.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 4) {
      box.replaceChildren();
      return;
    }
    const url = `${title.dataset.similar}?q=${encodeURIComponent(q)}&bord=${encodeURIComponent(board ? board.value : "")}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    box.replaceChildren();
    if (data.ideas.length === 0) return;
    const intro = document.createElement("p");
    intro.textContent = box.dataset.intro;
    const list = document.createElement("ul");
    list.className = "similar-list";
    for (const idea of data.ideas) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = idea.url;
      a.textContent = idea.title; // text, never HTML
      const badge = document.createElement("span");
      badge.className = `status-badge c-${idea.colour}`;
      badge.textContent = String(idea.votes);
      li.append(a, " ", badge);
      list.append(li);
    }
    box.append(intro, list);
  };
  title.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
}
