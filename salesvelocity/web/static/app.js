// Charts measure their box when drawn; draw them again once the page is laid out, after htmx swaps a page
// in, and before printing. (Loaded once: htmx keeps the head when it swaps the body.)
(function () {
  const fit = () => window.Plotly && document.querySelectorAll('.js-plotly-plot').forEach(el => Plotly.Plots.resize(el));
  window.addEventListener('load', fit);
  window.addEventListener('beforeprint', fit);
  document.addEventListener('htmx:afterSettle', fit);
})();

// Drill-down: a point of a chart inside <div class="drill" data-drill="/deals?…"> opens the deals behind it —
// a period of a trend (data-cadence: its length) or a team of the balance quadrant (data-by="team").
(function () {
  const next = (day, cadence) => {
    const d = new Date(day + 'T00:00:00Z');
    if (cadence === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
    else if (cadence === 'quarter') d.setUTCMonth(d.getUTCMonth() + 3);
    else if (cadence === 'sprint') d.setUTCDate(d.getUTCDate() + 14);
    else d.setUTCDate(d.getUTCDate() + 7);
    return d.toISOString().slice(0, 10);
  };
  const wire = () => document.querySelectorAll('.drill .js-plotly-plot').forEach(plot => {
    if (plot.dataset.wired) return;
    plot.dataset.wired = '1';
    const box = plot.closest('.drill');
    plot.on('plotly_click', event => {
      const point = event.points && event.points[0];
      if (!point) return;
      let url = box.dataset.drill;
      if (box.dataset.by === 'team') url += '&team=' + encodeURIComponent(point.text);
      else {
        const day = String(point.x).slice(0, 10);
        url += '&from=' + day + '&to=' + next(day, box.dataset.cadence);
      }
      window.location.assign(url);
    });
  });
  window.addEventListener('load', wire);
  document.addEventListener('htmx:afterSettle', wire);
})();


// Filters leave out what is not chosen, so the URL to bookmark or share names only the real filters.
document.addEventListener('submit', event => {
  if (!event.target.matches('form.filters')) return;
  const empty = [...event.target.querySelectorAll('input, select')].filter(el => !el.value && !el.disabled);
  empty.forEach(el => { el.disabled = true; });
  setTimeout(() => empty.forEach(el => { el.disabled = false; }), 0);  // values are taken; back stays usable
}, true);
