/// mgit's lineage written into a commit message as git trailers, so that history describes itself without the
/// database: `Mgit-Operation: import`, `Mgit-Source: <commit>`, `Mgit-Branch: teamA`.
///
/// The trailers are a summary for people and for `git log`; the full details of an operation are in
/// `operation.json` in the commit's tree.
public struct CommitTrailers: Sendable, Equatable {
    public var operation: String
    public var branch: String?
    /// Commits this one was computed from, beyond its parents (a rebase's basin commit, say).
    public var sources: [String]
    public var extra: [(key: String, value: String)]

    public init(operation: String, branch: String?, sources: [String] = [], extra: [(key: String, value: String)] = []) {
        self.operation = operation
        self.branch = branch
        self.sources = sources
        self.extra = extra
    }

    public static func == (a: CommitTrailers, b: CommitTrailers) -> Bool {
        a.operation == b.operation && a.branch == b.branch && a.sources == b.sources
            && a.extra.map { "\($0.key)=\($0.value)" } == b.extra.map { "\($0.key)=\($0.value)" }
    }

    /// The message with a blank line and the trailers appended.
    package func message(subject: String) -> String {
        var lines = ["Mgit-Operation: \(operation)"]
        if let branch { lines.append("Mgit-Branch: \(branch)") }
        lines += sources.map { "Mgit-Source: \($0)" }
        lines += extra.map { "Mgit-\($0.key): \($0.value)" }
        let body = subject.trimmingTrailingNewlines()
        return body + "\n\n" + lines.joined(separator: "\n") + "\n"
    }

    /// Reads the trailers from the last paragraph of a message; nil if it has none of mgit's.
    package static func parse(_ message: String) -> (subject: String, trailers: CommitTrailers)? {
        let paragraphs = message.trimmingTrailingNewlines().components(separatedBy: "\n\n")
        guard let last = paragraphs.last, paragraphs.count > 1 else { return nil }
        var trailers = CommitTrailers(operation: "", branch: nil)
        for line in last.split(separator: "\n") {
            guard line.hasPrefix("Mgit-"), let colon = line.firstIndex(of: ":") else { return nil }
            let key = String(line[line.index(line.startIndex, offsetBy: 5)..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "Operation": trailers.operation = value
            case "Branch": trailers.branch = value
            case "Source": trailers.sources.append(value)
            default: trailers.extra.append((key, value))
            }
        }
        guard !trailers.operation.isEmpty else { return nil }
        return (paragraphs.dropLast().joined(separator: "\n\n"), trailers)
    }
}

import Foundation

private extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
