// Composer: the text as tabs, "All channels" and one per chosen channel (WAI-ARIA tabs:
// arrow keys, Home and End move between them). A tab marks a channel with its own text (✎)
// and one whose live check found problems (⚠). Without this script the tab list stays
// hidden and every text box shows, one under the other.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-tabs]");
  const list = root && root.querySelector("[role=tablist]");
  if (!list) return;
  const form = root.closest("form");
  const tabs = () => [...list.querySelectorAll("[role=tab]")];
  const channelTabs = () => tabs().filter((tab) => tab.dataset.channel);
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));

  function select(tab, focus) {
    for (const other of tabs()) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      panelOf(other).hidden = !on;
    }
    if (focus) tab.focus();
    // A long row of tabs scrolls sideways on a phone: keep the chosen one in sight.
    tab.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function showChosenChannels() {
    const boxes = form.querySelectorAll("input[name=channels]:checked");
    const chosen = new Set([...boxes].map((box) => box.value));
    for (const tab of channelTabs()) tab.hidden = !chosen.has(tab.dataset.channel);
    const current = tabs().find((tab) => tab.getAttribute("aria-selected") === "true");
    if (!current || current.hidden) select(tabs()[0], false);
  }

  function markOwnTexts() {
    for (const tab of channelTabs()) {
      const box = panelOf(tab).querySelector("textarea");
      tab.querySelector(".mark-own").hidden = !(box && box.value.trim());
    }
  }

  function markProblems() {
    const checks = document.getElementById("checks");
    for (const tab of channelTabs()) {
      const card = checks && checks.querySelector(`[data-channel="${tab.dataset.channel}"]`);
      tab.querySelector(".mark-problem").hidden = !(card && card.classList.contains("has-problems"));
    }
  }

  list.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) select(tab, false);
  });
  list.addEventListener("keydown", (event) => {
    const shown = tabs().filter((tab) => !tab.hidden);
    const at = shown.indexOf(document.activeElement);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: shown.length - 1 }[event.key];
    if (at < 0 || to === undefined) return;
    event.preventDefault();
    select(shown[(to + shown.length) % shown.length], true);
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "channels") showChosenChannels();
  });
  form.addEventListener("input", (event) => {
    if (event.target.name && event.target.name.startsWith("override_")) markOwnTexts();
  });
  // The live checks (htmx) replace #checks; their cards say which channels have problems.
  document.body.addEventListener("htmx:afterSwap", markProblems);

  list.hidden = false;
  showChosenChannels();
  markOwnTexts();
  markProblems();
});
