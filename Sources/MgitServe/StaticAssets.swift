/// The stylesheet, script and icon every page uses, compiled into mgit: nothing is read from disk and nothing
/// comes from another host. Served under `/assets/NAME`; any other name is a 404.
enum StaticAssets {
    /// Content type and body of the asset called `name`, or nil.
    static func asset(_ name: String) -> (contentType: String, body: String)? {
        switch name {
        case "mgit.css": ("text/css; charset=utf-8", stylesheet)
        case "mgit.js": ("text/javascript; charset=utf-8", script)
        case "favicon.svg": ("image/svg+xml", favicon)
        default: nil
        }
    }

    static let stylesheet = """
        :root { --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --accent: #0969da; --bad: #cf222e; --good: #1a7f37; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
        header { display: flex; gap: 1.2em; align-items: baseline; padding: .6em 1.2em; border-bottom: 1px solid var(--line); background: #f6f8fa; }
        header .brand { font-weight: 700; }
        header .repo { color: var(--muted); font-family: ui-monospace, monospace; }
        header nav a { margin-right: 1em; color: var(--accent); text-decoration: none; }
        header nav a.current { font-weight: 700; text-decoration: underline; }
        main { padding: 1em 1.2em; }
        footer { padding: 1em 1.2em; color: var(--muted); font-size: 12px; }
        h1 { font-size: 20px; margin: .2em 0 .6em; }
        h2 { font-size: 16px; margin: 1.4em 0 .5em; }
        code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
        h1 .mono { font-size: inherit; }
        a { color: var(--accent); }
        table { border-collapse: collapse; margin: .4em 0 1em; }
        th, td { text-align: left; padding: .25em .7em; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        th[data-sort] { cursor: pointer; user-select: none; }
        th[data-sort]::after { content: " ↕"; color: var(--muted); }
        th.sorted-asc::after { content: " ↑"; } th.sorted-desc::after { content: " ↓"; }
        .changed { color: var(--bad); } .unchanged { color: var(--muted); }
        .verdict-accepted { color: var(--good); font-weight: 600; }
        .verdict-rejected { color: var(--bad); font-weight: 600; }
        .message { white-space: pre-wrap; background: #f6f8fa; padding: .6em .8em; border-radius: 6px; }
        .reason { white-space: pre-wrap; }
        .graph-wrap, .plot-wrap { overflow-x: auto; }
        .graph text { font-size: 12px; }
        .graph a:hover text { text-decoration: underline; }
        .refs { font-size: 11px; }
        form.inline { display: flex; gap: .8em; align-items: end; flex-wrap: wrap; margin-bottom: 1em; }
        form.inline label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        .error { border: 1px solid var(--bad); border-radius: 6px; padding: .8em 1em; max-width: 60em; }
        .facts td:first-child { color: var(--muted); }
        """

    /// Sorts a table when a header with `data-sort` is clicked: by each cell's `data-value` (a number when the
    /// header says `data-sort="number"`), else by its text.
    static let script = """
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          for (const th of document.querySelectorAll("th[data-sort]")) {
            th.addEventListener("click", () => {
              const table = th.closest("table");
              const body = table.tBodies[0];
              const index = Array.from(th.parentNode.children).indexOf(th);
              const numeric = th.dataset.sort === "number";
              const ascending = !th.classList.contains("sorted-asc");
              for (const other of th.parentNode.children) other.classList.remove("sorted-asc", "sorted-desc");
              th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
              const key = (row) => {
                const cell = row.children[index];
                const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
                if (!numeric) return raw;
                const n = parseFloat(raw);
                return Number.isNaN(n) ? -Infinity : n;
              };
              const rows = Array.from(body.rows);
              rows.sort((a, b) => {
                const x = key(a), y = key(b);
                const c = numeric ? x - y : String(x).localeCompare(String(y));
                return ascending ? c : -c;
              });
              for (const row of rows) body.appendChild(row);
            });
          }
        });
        """

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="4" cy="4" r="3" fill="#1f77b4"/>\
        <circle cx="12" cy="4" r="3" fill="#ff7f0e"/><circle cx="8" cy="13" r="3" fill="#2ca02c"/>\
        <path d="M4 4 L8 13 L12 4" stroke="#444" fill="none" stroke-width="1.2"/></svg>
        """
}
