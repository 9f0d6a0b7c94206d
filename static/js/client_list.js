// Client list: leave empty filters out of htmx requests, so the address bar stays readable.
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.closest("[data-testid=client-filters]")) {
    return;
  }
  for (const [name, value] of Array.from(event.detail.formData.entries())) {
    if (value === "") {
      event.detail.formData.delete(name);
    }
  }
});
