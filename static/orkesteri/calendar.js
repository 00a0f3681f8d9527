// Calendar: drag a post chip to another day (month) or hour (week) to reschedule it.
// The server decides the new time (the post keeps its wall-clock time of day) and answers
// with the updated chip, or with an error; on an error the chip goes back where it was.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("calendar");
  const url = root && root.dataset.moveUrl;
  if (!url || !window.htmx) return;
  const status = () => document.getElementById("calendar-status");
  let dragged = null;

  root.addEventListener("dragstart", (event) => {
    const chip = event.target.closest && event.target.closest(".cal-chip[data-post]");
    if (!chip) return;
    dragged = chip;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.dataset.post);
    chip.classList.add("cal-dragging");
  });
  root.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("cal-dragging");
    document.querySelectorAll(".cal-over").forEach((el) => el.classList.remove("cal-over"));
  });
  const cellOf = (event) => event.target.closest && event.target.closest("[data-on]");
  root.addEventListener("dragover", (event) => {
    const cell = cellOf(event);
    if (!cell || !dragged) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".cal-over").forEach((el) => el !== cell && el.classList.remove("cal-over"));
    cell.classList.add("cal-over");
  });
  root.addEventListener("drop", (event) => {
    const cell = cellOf(event);
    if (!cell || !dragged) return;
    event.preventDefault();
    cell.classList.remove("cal-over");
    const chip = dragged;
    const home = { parent: chip.parentNode, next: chip.nextSibling };
    const values = { post: chip.dataset.post, on: cell.dataset.on };
    if (cell.dataset.hour !== undefined) values.hour = cell.dataset.hour;
    (cell.querySelector(".cal-chips") || cell).appendChild(chip); // shown at once, undone on error
    chip.classList.add("cal-saving");
    htmx.ajax("POST", url, { source: chip, target: chip, swap: "outerHTML", values }).then(() => {
      const fresh = document.getElementById(chip.id);
      if (fresh && fresh !== chip) place(fresh);
    });
    const undo = (e) => {
      home.parent.insertBefore(chip, home.next);
      chip.classList.remove("cal-saving");
      const box = status();
      const xhr = e.detail && e.detail.xhr;
      const html = new DOMParser().parseFromString((xhr && xhr.responseText) || "", "text/html");
      const found = html.querySelector("[data-testid=calendar-error]");
      box.className = "cal-status msg msg-error";
      box.textContent = found ? found.textContent : root.dataset.failed;
    };
    chip.addEventListener("htmx:responseError", undo, { once: true });
    chip.addEventListener("htmx:sendError", undo, { once: true });
  });

  // Keep a cell's chips in time order after a move.
  function place(chip) {
    const box = chip.parentNode;
    const later = [...box.querySelectorAll(":scope > .cal-chip")].find(
      (other) => other !== chip && other.dataset.at > chip.dataset.at
    );
    if (later) box.insertBefore(chip, later);
  }
});
