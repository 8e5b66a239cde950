// Injected by scripts/check-report.sh into a copy of a report page (after the page's own
// script): acts like a reviewer (time pages, zoom, sorting, filtering, paging, marking, export)
// and writes what it saw as JSON into <pre id="check-result"> for the shell to read. Not part of
// the report.
(function () {
  const out = {}, errors = [];
  const check = (name, ok, detail) => { out[name] = !!ok; if (!ok) errors.push(name + (detail ? ': ' + detail : '')); };
  const fits = () => document.documentElement.scrollWidth <= window.innerWidth;
  const rects = sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect());
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  out.window = window.innerWidth;
  out.width = document.documentElement.scrollWidth;
  check('fits', fits(), `page ${out.width} px in a ${out.window} px window`);
  if (typeof REPORT === 'undefined' || !REPORT.dets) {                 // the index
    out.kind = 'index';
    out.speciesRows = document.querySelectorAll('#species tbody tr').length;
    out.recordingLinks = document.querySelectorAll('#recordings tbody tr td:first-child a').length;
    check('species', out.speciesRows > 0 || out.recordingLinks === 0, 'no species summary');
    document.getElementById('check-result').textContent = JSON.stringify(Object.assign(out, {errors}));
    return;
  }
  out.kind = 'page';
  const click = el => el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const rows = () => [...document.querySelectorAll('#dets tbody tr')].map(tr => {
    const td = tr.querySelectorAll('td');
    return {i: +td[0].textContent, label: td[1].textContent, onset: +td[2].textContent, score: +td[4].textContent};
  });
  const sortedBy = (list, f, dir) => list.every((r, k) => k === 0 || dir * (f(r) < f(list[k - 1]) ? -1 : f(r) > f(list[k - 1]) ? 1 : 0) >= 0);
  out.detections = REPORT.dets.length;
  out.pages = REPORT.pages.length;
  // Labels on every time page: none overlaps another, and each stays inside the picture.
  let labels = 0, overlaps = 0;
  for (let k = 0; k < REPORT.pages.length; k++) {
    showPage(k);
    const r = rects('#boxes text');
    labels += r.length;
    for (let a = 0; a < r.length; a++) for (let b = a + 1; b < r.length; b++) if (overlap(r[a], r[b])) overlaps++;
  }
  showPage(0);
  out.labels = labels;
  check('labelsApart', overlaps === 0, `${overlaps} overlapping labels`);
  if (REPORT.pages.length > 1) { click(document.getElementById('page-next')); check('pageNext', document.body.dataset.page === '1'); showPage(0); }
  // Zoom: the picture grows inside its scroll box, the page does not.
  click(document.querySelector('[data-zoom="4"]'));
  const viewer = document.getElementById('viewer');
  check('zoom', viewer.scrollWidth > 3 * viewer.clientWidth && fits(), `zoomed ${viewer.scrollWidth} in ${viewer.clientWidth}`);
  click(document.querySelector('[data-zoom="1"]'));
  // Sorting.
  const th = key => document.querySelector(`th[data-sort="${key}"]`);
  click(th('score')); const byScore = rows();
  check('sortScore', byScore.length > 0 && sortedBy(byScore, r => r.score, -1), 'not highest score first');
  out.topScore = byScore.length ? byScore[0].score : null;
  check('sortScoreTop', !byScore.length || Math.abs(byScore[0].score - Math.max(...REPORT.dets.map(d => d[3]))) < 0.0015);
  click(th('score')); check('sortScoreUp', sortedBy(rows(), r => r.score, 1));
  click(th('label')); check('sortSpecies', sortedBy(rows(), r => r.label, 1));
  click(th('onset')); check('sortTime', sortedBy(rows(), r => r.onset, 1));
  out.rowsShown = rows().length;
  check('paged', out.rowsShown <= 100 && out.rowsShown === Math.min(100, REPORT.dets.length));
  if (REPORT.dets.length > 100) {
    const before = rows()[0].i; click(document.getElementById('rows-next'));
    check('nextRows', rows().length > 0 && rows()[0].i !== before);
  }
  // Filtering: the commonest species and the median score, counted here from the page's data.
  const counts = {}; REPORT.dets.forEach(d => counts[d[0]] = (counts[d[0]] || 0) + 1);
  const species = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
  const scores = REPORT.dets.map(d => d[3]).sort((a, b) => a - b), minimum = scores[Math.floor(scores.length / 2)] || 0;
  const sel = document.getElementById('f-species'), min = document.getElementById('f-score');
  sel.value = species; sel.dispatchEvent(new Event('input')); min.value = minimum; min.dispatchEvent(new Event('input'));
  const expected = REPORT.dets.filter(d => d[0] === species && d[3] >= minimum).length, got = rows();
  out.filtered = +document.body.dataset.rowsMatching;
  check('filter', out.filtered === expected && got.every(r => r.label === species && r.score >= minimum - 1e-9), `${out.filtered} rows, expected ${expected}`);
  sel.value = ''; sel.dispatchEvent(new Event('input')); min.value = 0; min.dispatchEvent(new Event('input'));
  // Marks and export: three right, two wrong.
  localStorage.clear(); marks = readMarks(REPORT.recording);
  click(th('onset'));
  for (let k = 0; k < 5 && k < rows().length; k++) {
    const tr = document.querySelectorAll('#dets tbody tr')[k];
    click(tr.querySelector(k < 3 ? 'button.ok' : 'button.bad'));
  }
  out.truth = exportCSV('truth');
  out.review = exportCSV('review');
  check('marked', out.review.trim().split('\n').length === 1 + Math.min(5, REPORT.dets.length));
  // Navigation.
  const nav = window.WARBLER_NAV || [], me = nav.findIndex(n => n.id === REPORT.recording);
  out.prev = document.getElementById('prev').hidden ? null : document.getElementById('prev').getAttribute('href');
  out.next = document.getElementById('next').hidden ? null : document.getElementById('next').getAttribute('href');
  check('nav', me >= 0 && (me > 0) === !!out.prev && (me < nav.length - 1) === !!out.next, `at ${me} of ${nav.length}`);
  out.picture = document.body.dataset.picture || null;
  // Audio: give the first clip time to load its metadata.
  const finish = () => {
    out.audioSeconds = document.body.dataset.audioSeconds || null;
    out.audioSrc = document.getElementById('audio').getAttribute('src');
    check('audio', !REPORT.dets.some(d => d[4]) || (out.audioSeconds && +out.audioSeconds > 0), 'no clip loaded');
    check('pictureLoaded', !!out.picture || document.getElementById('picture').naturalWidth > 0, 'picture not loaded');
    out.picture = out.picture || document.getElementById('picture').naturalWidth + 'x';
    document.getElementById('check-result').textContent = JSON.stringify(Object.assign(out, {errors}));
  };
  if (document.body.dataset.audioSeconds) finish(); else setTimeout(finish, 3000);
})();
