/// The frame every HTML page shares: head, navigation, the stylesheet and script that mgit serves itself.
///
/// No page carries inline script or style: the Content-Security-Policy (``SecurityHeaders``) allows only
/// `/assets/…` from this server, so even a string that escaped escaping could not run.
struct PageLayout {
    /// The `<title>`, plain text (escaped here).
    var title: String
    /// The repository's folder name, shown in the header (escaped here).
    var repositoryName: String
    /// Which navigation entry is current: `graph`, `merges`, `metrics`, `diff`, or nil.
    var section: String?

    /// The complete document around `body` (already HTML).
    func render(_ body: String) -> String {
        let entries = [("graph", "/", "Graph"), ("merges", "/merges", "Merges"), ("metrics", "/metrics", "Metrics"),
                       ("diff", "/diff", "Diff")]
        let nav = entries.map { key, path, label in
            "<a href=\"\(path)\"\(key == section ? " class=\"current\"" : "")>\(label)</a>"
        }.joined(separator: " ")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · mgit</title>
            <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/assets/mgit.css">
            <script src="/assets/mgit.js" defer></script>
            </head>
            <body>
            <header><span class="brand">mgit</span> <span class="repo">\(HTML.escape(repositoryName))</span> <nav>\(nav)</nav></header>
            <main>
            \(body)
            </main>
            <footer>Read-only view served by <code>mgit serve</code>; reload to see new commits.</footer>
            </body>
            </html>

            """
    }
}
