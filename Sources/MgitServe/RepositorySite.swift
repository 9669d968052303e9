import Foundation
import ModelRepo

/// The pages and JSON documents `mgit serve` answers with, each computed from a freshly opened `Repository`.
///
/// Opening per request is what makes the view live: a commit, merge or fetch made while the server runs shows
/// on the next reload, and the lineage database is caught up with git on open, as every CLI command does.
/// Nothing here reads a file by a name from the URL: paths go only to ``RepositoryServer``'s fixed routes.
struct RepositorySite: Sendable {
    /// The repository's root folder, as `Repository.open` found it when the server started.
    let root: String

    /// The folder's last component, for headings.
    var name: String { URL(fileURLWithPath: root).lastPathComponent }

    func open() throws -> Repository { try Repository.open(at: root) }

    func layout(_ title: String, section: String? = nil) -> PageLayout {
        PageLayout(title: title, repositoryName: name, section: section)
    }

    /// The error page for `error`: what went wrong, escaped, and where to go next.
    func errorPage(_ error: PageError) -> String {
        layout("\(error.status) \(error.reason)").render("""
            <h1>\(error.status) \(HTML.escape(error.reason))</h1>
            <div class="error"><p>\(HTML.escape(error.message))</p>
            <p><a href="/">Back to the commit graph</a></p></div>
            """)
    }

    /// Encodes as `mgit … --json` prints: sorted keys, indented, slashes unescaped.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// `2026-12-02T13:00:25Z` from seconds since 1970.
    static func date(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    /// A link to a commit's page showing its short id.
    static func commitLink(_ id: String) -> String {
        "<a class=\"mono\" href=\"\(HTML.href("/commit", [("rev", id)]))\">\(HTML.escape(HTML.short(id)))</a>"
    }
}
