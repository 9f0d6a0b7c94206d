// Weights: show the sum of each group of weights as the director types.
(() => {
  const lang = document.documentElement.lang || undefined;
  const format = (value) => value.toLocaleString(lang, { maximumFractionDigits: 6 });

  function refresh(form) {
    for (const sum of form.querySelectorAll("[data-sum]")) {
      const inputs = form.querySelectorAll(`[data-sum-of="${sum.dataset.sum}"]`);
      let total = 0;
      let readable = true;
      for (const input of inputs) {
        const value = input.value.trim() === "" ? 0 : Number(input.value.replace(",", "."));
        if (Number.isNaN(value)) {
          readable = false;
        } else {
          total += value;
        }
      }
      const ok = readable && Math.abs(total - 100) <= 1e-6;
      sum.querySelector("[data-sum-value]").textContent = readable ? format(total) : "?";
      sum.querySelector("[data-sum-state]").textContent = ok ? `✓ ${sum.dataset.ok}` : sum.dataset.bad;
      sum.classList.toggle("weights-sum-ok", ok);
      sum.classList.toggle("weights-sum-bad", !ok);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("[data-testid=weights-form]");
    if (!form) {
      return;
    }
    form.addEventListener("input", () => refresh(form));
    refresh(form);
  });
})();
