// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // New workspace: preselect the browser's time zone when the form is untouched.
  const form = document.querySelector("form[data-guess-timezone]");
  const select = form && form.querySelector("select[name=timezone]");
  if (select && select.value === "UTC") {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && [...select.options].some((o) => o.value === zone)) select.value = zone;
  }
  // Close an open menu when clicking elsewhere.
  document.addEventListener("click", (event) => {
    document.querySelectorAll("details[open]").forEach((d) => {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });
});
