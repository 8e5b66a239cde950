// The HTML, CSS and inline JavaScript of the report's pages (DetectionReport writes the data).
// Self-contained: no network, no libraries. Review marks live in the browser's localStorage under
// "warbler-review:<report key>:<recording>" as {"label|onset|offset": [verdict, score]}; both page
// kinds export every mark of the report as CSV (`commonScript`).
import Foundation

enum ReportScripts {
    /// Box and swatch colours, by class index.
    static let colours = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990"]

    static let css = #"""
        *{box-sizing:border-box}body{font-family:sans-serif;margin:1em;color:#222;max-width:100%}
        h1{font-size:1.5em;margin:.3em 0;overflow-wrap:anywhere}.meta{overflow-wrap:anywhere;color:#444}
        nav.bar a{margin-right:1.2em}nav.bar{margin-bottom:.4em}
        .viewer{width:100%;overflow-x:auto;border:1px solid #ccc}.canvas{position:relative;width:100%}
        .canvas img{display:block;width:100%;height:auto}.canvas svg{position:absolute;left:0;top:0;width:100%;height:100%}
        .det{cursor:pointer}#boxes text{font:13px monospace;paint-order:stroke;stroke:#000;stroke-width:3px}
        .det.selected rect{stroke-width:4;fill-opacity:.35}.det.wrong rect{stroke-dasharray:6 4}
        .controls,.filters,.pager{margin:.5em 0;display:flex;flex-wrap:wrap;gap:.4em;align-items:center}
        audio{width:100%;max-width:40em;margin:.4em 0}
        table{border-collapse:collapse;margin-top:.5em;max-width:100%}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
        th[data-sort]{cursor:pointer;text-decoration:underline dotted}th.sorted{background:#eef}
        tbody tr:hover{background:#f3f3f3;cursor:pointer}tr.selected{background:#ffd}
        .sw{display:inline-block;width:10px;height:10px;margin-right:6px}
        button.on.ok{background:#3cb44b;color:#fff}button.on.bad{background:#e6194b;color:#fff}
        textarea{width:100%;max-width:60em;height:8em}.note{color:#555}
        """#

    /// A recording's page. `data` is ReportPageData's JSON.
    static func recordingPage(title: String, meta: String, clipNote: String, data: String) -> String {
        let e = DetectionReport.escape
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Warbler: \(e(title))</title><style>\(css)</style></head>
            <body>
            <nav class="bar"><a id="to-index" href="index.html">All recordings</a><a id="prev" hidden>&lsaquo; previous</a><a id="next" hidden>next &rsaquo;</a></nav>
            <h1>\(e(title))</h1>
            <p class="meta">\(e(meta))</p>
            <div class="controls">time page <button id="page-prev" title="earlier">&lsaquo;</button><select id="page-select"></select>
            <button id="page-next" title="later">&rsaquo;</button> &middot; zoom <button data-zoom="1">1&times;</button><button data-zoom="2">2&times;</button><button data-zoom="4">4&times;</button></div>
            <div id="viewer" class="viewer"><div id="canvas" class="canvas"><img id="picture" alt="log-mel spectrogram">
            <svg id="boxes" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none"></svg></div></div>
            <audio id="audio" controls preload="metadata"></audio>
            <p class="note">\(e(clipNote)) Click a box or a row to show it and play its clip.</p>
            <h2>Detections</h2>
            <div class="filters">species <select id="f-species"><option value="">all</option></select>
            minimum score <input id="f-score" type="number" min="0" max="1" step="0.05" value="0">
            verdict <select id="f-verdict"><option value="">all</option><option value="none">not reviewed</option><option value="right">right</option><option value="wrong">wrong</option></select>
            <span id="count"></span></div>
            <table id="dets"><thead><tr><th data-sort="i">#</th><th data-sort="label">species</th><th data-sort="onset">onset (s)</th>
            <th>offset (s)</th><th data-sort="score">score</th><th>clip</th><th>verdict</th></tr></thead><tbody></tbody></table>
            <div class="pager"><button id="rows-prev">&lsaquo; previous rows</button><span id="rows-info"></span><button id="rows-next">next rows &rsaquo;</button></div>
            \(reviewSection)
            <script>const REPORT = \(data);</script>
            <script src="nav.js"></script>
            <script>\(commonScript)\(pageScript)</script>
            </body></html>

            """
    }

    static let reviewSection = """
        <h2>Review</h2>
        <p class="note">Marks (&#10003; right, &#10007; wrong) are kept in this browser for this report. The exports hold the marks of
        every recording of the report: <em>confirmed</em> is the detections marked right as events
        (<code>recording,label,onset,offset</code>, a <code>--truth-events</code> file for <code>warbler evaluate</code>);
        <em>review</em> is every marked detection with its score and verdict.</p>
        <div class="controls"><button id="export-truth">export confirmed CSV</button><button id="export-review">export review CSV</button>
        <span id="marks-count"></span></div>
        <textarea id="export-text" readonly placeholder="the exported CSV appears here (and is downloaded)"></textarea>
        """

    /// Marks storage and CSV export, shared by the index and the recording pages.
    static let commonScript = #"""
        'use strict';
        const $ = id => document.getElementById(id);
        const MARKS = 'warbler-review:' + REPORT.key + ':';
        const memory = {};
        function storageKeys() {
          try { const keys = []; for (let i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i)); return keys; }
          catch (e) { return Object.keys(memory); }
        }
        function readMarks(recording) {
          try { return JSON.parse(localStorage.getItem(MARKS + recording) || '{}'); } catch (e) { return memory[MARKS + recording] || {}; }
        }
        function writeMarks(recording, marks) {
          const key = MARKS + recording, empty = Object.keys(marks).length === 0;
          try { if (empty) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(marks)); }
          catch (e) { memory[key] = marks; }
        }
        function csvField(s) { s = String(s); return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
        // Every mark of this report: [recording, label, onset, offset, score, verdict], by recording and time.
        function allMarks() {
          const out = [];
          for (const key of storageKeys()) {
            if (!key || !key.startsWith(MARKS)) continue;
            const recording = key.slice(MARKS.length), marks = readMarks(recording);
            for (const [k, v] of Object.entries(marks)) {
              const parts = k.split('|'), offset = parts.pop(), onset = parts.pop();
              out.push([recording, parts.join('|'), onset, offset, v[1], v[0]]);
            }
          }
          return out.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2]);
        }
        function exportCSV(kind) {
          const marks = allMarks();
          const rows = kind === 'truth'
            ? [['recording', 'label', 'onset', 'offset']].concat(marks.filter(m => m[5] === 'right').map(m => m.slice(0, 4)))
            : [['recording', 'label', 'onset', 'offset', 'confidence', 'verdict']].concat(marks);
          const text = rows.map(r => r.map(csvField).join(',')).join('\n') + '\n';
          $('export-text').value = text;
          document.body.dataset.exported = kind;
          try {
            const a = document.createElement('a');
            a.href = URL.createObjectURL(new Blob([text], {type: 'text/csv'}));
            a.download = kind === 'truth' ? 'warbler-confirmed.csv' : 'warbler-review.csv';
            document.body.appendChild(a); a.click(); a.remove();
          } catch (e) { /* the text is in the box above */ }
          return text;
        }
        function showMarkCount() {
          const m = allMarks(), right = m.filter(x => x[5] === 'right').length;
          $('marks-count').textContent = m.length ? `${m.length} marked in this report (${right} right, ${m.length - right} wrong)` : 'nothing marked yet';
        }
        $('export-truth').onclick = () => exportCSV('truth');
        $('export-review').onclick = () => exportCSV('review');
        showMarkCount();

        """#

    /// A recording page: time pages, zoom, boxes with non-overlapping labels, the table, marks.
    static let pageScript = #"""
        const R = REPORT, NS = 'http://www.w3.org/2000/svg';
        const audio = $('audio'), svg = $('boxes'), img = $('picture'), canvas = $('canvas'), viewer = $('viewer');
        const dets = R.dets.map((d, i) => ({i: i + 1, label: d[0], onset: d[1], offset: d[2], score: d[3], clip: d[4], clipStart: d[5]}));
        const colourOf = label => { const k = R.classes.indexOf(label); return R.colours[(k < 0 ? 0 : k) % R.colours.length]; };
        let marks = readMarks(R.recording);
        const detKey = d => d.label + '|' + d.onset.toFixed(3) + '|' + d.offset.toFixed(3);
        const verdict = d => (marks[detKey(d)] || [''])[0];
        function mark(d, v) {
          const k = detKey(d);
          if (verdict(d) === v) delete marks[k]; else marks[k] = [v, d.score];
          writeMarks(R.recording, marks); renderTable(); renderBoxes(); showMarkCount();
        }

        // Navigation between recordings: nav.js (written with the index) lists them in order.
        const nav = window.WARBLER_NAV || [], me = nav.findIndex(n => n.id === R.recording);
        for (const [id, step] of [['prev', -1], ['next', 1]]) {
          const n = nav[me + step];
          if (me >= 0 && n) { const a = $(id); a.href = n.page; a.title = n.id; a.hidden = false; a.textContent = (step < 0 ? '\u2039 ' : '') + n.id + (step > 0 ? ' \u203a' : ''); }
        }

        // Time pages and zoom.
        let pageIndex = -1, zoom = 1, selected = 0, clipStart = 0;
        const fmt = t => { const m = Math.floor(t / 60), s = t - 60 * m; return m + ':' + (s < 10 ? '0' : '') + s.toFixed(0); };
        R.pages.forEach((p, k) => { const o = document.createElement('option'); o.value = k; o.textContent = `${k + 1}/${R.pages.length}: ${fmt(p.t0)}\u2013${fmt(p.t1)}`; $('page-select').appendChild(o); });
        document.body.dataset.pages = R.pages.length;
        const pageOf = t => { for (let k = R.pages.length - 1; k >= 0; k--) if (t >= R.pages[k].t0) return k; return 0; };
        function showPage(k) {
          k = Math.max(0, Math.min(R.pages.length - 1, k));
          if (k === pageIndex || !R.pages.length) return;
          pageIndex = k;
          const p = R.pages[k];
          img.src = p.png; img.width = p.w; img.height = p.h;
          svg.setAttribute('viewBox', `0 0 ${p.w} ${p.h}`);
          $('page-select').value = k; document.body.dataset.page = k;
          renderBoxes();
        }
        function setZoom(z) { zoom = z; canvas.style.width = (100 * z) + '%'; document.body.dataset.zoom = z; scrollToSelected(); }
        $('page-prev').onclick = () => showPage(pageIndex - 1);
        $('page-next').onclick = () => showPage(pageIndex + 1);
        $('page-select').onchange = e => showPage(+e.target.value);
        document.querySelectorAll('[data-zoom]').forEach(b => b.onclick = () => setZoom(+b.dataset.zoom));
        img.addEventListener('load', () => document.body.dataset.picture = img.naturalWidth + 'x' + img.naturalHeight);

        const xOf = (p, t) => p.px + p.pw * Math.min(Math.max((t - p.t0) / Math.max(p.t1 - p.t0, 1e-9), 0), 1);
        function svgEl(tag, attrs) { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; }
        // Boxes of the detections that pass the filters on the shown time page. Labels go in the
        // first text row free at their x; with every row taken the label is left out (the box's
        // tooltip and the table still name it), so labels never overlap.
        function renderBoxes() {
          svg.textContent = '';
          const p = R.pages[pageIndex]; if (!p) return;
          const shown = filtered().filter(d => d.offset >= p.t0 && d.onset < p.t1).sort((a, b) => a.onset - b.onset);
          const rowHeight = 16, charWidth = 8.2, rows = [], maxRows = Math.max(1, Math.min(6, Math.floor(p.ph / rowHeight / 3)));
          const labels = svgEl('g', {});  // drawn after every box, so no box edge crosses a label
          for (const d of shown) {
            const x0 = xOf(p, d.onset), x1 = Math.max(xOf(p, d.offset), x0 + 2), c = colourOf(d.label);
            const g = svgEl('g', {class: 'det' + (d.i === selected ? ' selected' : '') + (verdict(d) ? ' ' + verdict(d) : ''), 'data-i': d.i});
            const title = svgEl('title', {}); title.textContent = `#${d.i} ${d.label} ${d.score.toFixed(2)}, ${d.onset.toFixed(2)}\u2013${d.offset.toFixed(2)} s`;
            g.appendChild(title);
            g.appendChild(svgEl('rect', {x: x0.toFixed(1), y: p.py, width: (x1 - x0).toFixed(1), height: p.ph, fill: c, 'fill-opacity': 0.15, stroke: c, 'stroke-width': 2}));
            let r = rows.findIndex(end => end <= x0);
            if (r < 0 && rows.length < maxRows) { r = rows.length; rows.push(0); }
            if (r >= 0) {
              rows[r] = x0 + 2 + d.label.length * charWidth + 6;
              const t = svgEl('text', {x: (x0 + 2).toFixed(1), y: p.py + 13 + r * rowHeight, fill: c, class: 'det'}); t.textContent = d.label;
              t.onclick = () => select(d, true); labels.appendChild(t);
            }
            g.onclick = () => select(d, true);
            svg.appendChild(g);
          }
          svg.appendChild(labels);
          svg.appendChild(svgEl('line', {id: 'playhead', x1: 0, x2: 0, y1: p.py, y2: p.py + p.ph, stroke: 'white', 'stroke-width': 1.5, visibility: 'hidden'}));
          document.body.dataset.boxes = shown.length;
        }
        function scrollToSelected() {
          const d = dets[selected - 1], p = R.pages[pageIndex]; if (!d || !p || zoom === 1) return;
          viewer.scrollLeft = Math.max(0, xOf(p, d.onset) / p.w * canvas.clientWidth - viewer.clientWidth / 3);
        }
        function select(d, play) {
          selected = d.i; showPage(pageOf(d.onset)); renderBoxes(); renderTable(); scrollToSelected();
          if (play && d.clip) { clipStart = d.clipStart; audio.src = d.clip; audio.play().catch(() => {}); }
        }
        audio.addEventListener('loadedmetadata', () => { document.body.dataset.audioSeconds = audio.duration.toFixed(2); document.body.dataset.audioSrc = audio.getAttribute('src'); });
        audio.addEventListener('timeupdate', () => {
          const p = R.pages[pageIndex], head = $('playhead'), t = clipStart + audio.currentTime;
          if (!p || !head) return;
          const inside = t >= p.t0 && t <= p.t1, x = xOf(p, t);
          head.setAttribute('x1', x); head.setAttribute('x2', x); head.setAttribute('visibility', inside ? 'visible' : 'hidden');
        });

        // The table: filtered, sorted, shown a page of rows at a time.
        const PAGE_ROWS = 100;
        let sortKey = 'onset', sortDir = 1, firstRow = 0;
        [...new Set(dets.map(d => d.label))].sort().forEach(l => { const o = document.createElement('option'); o.value = o.textContent = l; $('f-species').appendChild(o); });
        function filtered() {
          const species = $('f-species').value, minimum = parseFloat($('f-score').value) || 0, v = $('f-verdict').value;
          return dets.filter(d => (!species || d.label === species) && d.score >= minimum
            && (!v || (v === 'none' ? !verdict(d) : verdict(d) === v)));
        }
        function sorted(list) {
          const k = sortKey;
          return list.slice().sort((a, b) => ((k === 'label' ? a.label.localeCompare(b.label) : a[k] - b[k]) || a.onset - b.onset || a.i - b.i) * sortDir);
        }
        function cell(tr, text) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); return td; }
        function renderTable() {
          const list = sorted(filtered()), body = document.querySelector('#dets tbody');
          firstRow = Math.max(0, Math.min(firstRow, Math.floor(Math.max(list.length - 1, 0) / PAGE_ROWS) * PAGE_ROWS));
          body.textContent = '';
          for (const d of list.slice(firstRow, firstRow + PAGE_ROWS)) {
            const tr = document.createElement('tr'); tr.dataset.i = d.i; if (d.i === selected) tr.className = 'selected';
            cell(tr, d.i);
            const sp = cell(tr, d.label), sw = document.createElement('span'); sw.className = 'sw'; sw.style.background = colourOf(d.label); sp.prepend(sw);
            cell(tr, d.onset.toFixed(2)); cell(tr, d.offset.toFixed(2)); cell(tr, d.score.toFixed(3));
            const clip = cell(tr, d.clip ? '' : '\u2014');
            if (d.clip) { const b = document.createElement('button'); b.textContent = '\u25b6'; b.title = 'play the clip'; clip.appendChild(b); }
            const v = cell(tr, '');
            for (const [cls, value, label] of [['ok', 'right', '\u2713'], ['bad', 'wrong', '\u2717']]) {
              const b = document.createElement('button'); b.className = cls + (verdict(d) === value ? ' on' : ''); b.textContent = label; b.title = 'mark ' + value;
              b.onclick = e => { e.stopPropagation(); mark(d, value); }; v.appendChild(b);
            }
            tr.onclick = () => select(d, true);
            body.appendChild(tr);
          }
          const end = Math.min(list.length, firstRow + PAGE_ROWS);
          $('rows-info').textContent = list.length ? `rows ${firstRow + 1}\u2013${end} of ${list.length}` : 'no detections match';
          $('count').textContent = `${list.length} of ${dets.length} detections`;
          $('rows-prev').disabled = firstRow === 0; $('rows-next').disabled = end >= list.length;
          document.querySelectorAll('th[data-sort]').forEach(th => th.className = th.dataset.sort === sortKey ? 'sorted' : '');
          document.body.dataset.rowsMatching = list.length; document.body.dataset.rowsShown = end - firstRow;
        }
        function refresh() { firstRow = 0; renderTable(); renderBoxes(); }
        document.querySelectorAll('th[data-sort]').forEach(th => th.onclick = () => {
          const k = th.dataset.sort;
          if (k === sortKey) sortDir = -sortDir; else { sortKey = k; sortDir = k === 'score' ? -1 : 1; }
          firstRow = 0; renderTable();
        });
        ['f-species', 'f-score', 'f-verdict'].forEach(id => $(id).addEventListener('input', refresh));
        $('rows-prev').onclick = () => { firstRow -= PAGE_ROWS; renderTable(); };
        $('rows-next').onclick = () => { firstRow += PAGE_ROWS; renderTable(); };

        // Start: a species from the index (#species=...) or a time (#t=...), else the first page.
        const hash = new URLSearchParams(location.hash.slice(1));
        if (hash.has('species')) $('f-species').value = hash.get('species');
        showPage(hash.has('t') ? pageOf(+hash.get('t')) : 0);
        renderTable(); renderBoxes();
        const first = dets.find(d => d.clip);
        if (first) { clipStart = first.clipStart; audio.src = first.clip; }

        """#
}
