// Charts measure their box when drawn; draw them again once the page is laid out, after htmx swaps a page
// in, and before printing. (Loaded once: htmx keeps the head when it swaps the body.)
(function () {
  const fit = () => window.Plotly && document.querySelectorAll('.js-plotly-plot').forEach(el => Plotly.Plots.resize(el));
  window.addEventListener('load', fit);
  window.addEventListener('beforeprint', fit);
  document.addEventListener('htmx:afterSettle', fit);
})();
