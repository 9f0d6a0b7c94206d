// Criterion form: show the ledger figure for financial criteria and the rubric for rated ones,
// and the thresholds only when the criterion is scored on thresholds. Hidden fields are
// disabled, so they are not sent.
(() => {
  function show(section, visible) {
    if (!section) {
      return;
    }
    section.hidden = !visible;
    for (const field of section.querySelectorAll("input, select, textarea")) {
      field.disabled = !visible;
    }
  }

  function refresh(form) {
    const family = form.querySelector("[name=family]");
    const familyValue = family ? family.value : form.dataset.family;
    const normalisation = form.querySelector("[name=normalisation]");
    if (familyValue) {
      show(form.querySelector("[data-section=financial]"), familyValue === "financial");
      show(form.querySelector("[data-section=rated]"), familyValue !== "financial");
    }
    show(form.querySelector("[data-section=thresholds]"), normalisation.value === "thresholds");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("[data-testid=criterion-form]");
    if (!form) {
      return;
    }
    form.addEventListener("change", () => refresh(form));
    refresh(form);
  });
})();
