/// Checks the values a URL brings before anything uses them: revisions, counts and names.
///
/// A revision only ever reaches `Repository` calls that resolve it in git (never a file path), and it is
/// restricted to the characters revisions use; `..` (a range in git, a parent folder in a path) is refused outright.
enum RequestParameters {
    /// The longest revision accepted; real ones are a 40-digit id or a branch name with a suffix.
    static let maxRevisionLength = 200

    /// `raw` as a revision, or `fallback` when absent or empty.
    static func revision(_ raw: String?, name: String, default fallback: String? = nil) throws -> String {
        guard let raw, !raw.isEmpty else {
            if let fallback { return fallback }
            throw PageError(400, "the '\(name)' parameter is missing: give a revision, for example ?\(name)=main")
        }
        guard raw.utf8.count <= maxRevisionLength else {
            throw PageError(400, "the '\(name)' parameter is \(raw.utf8.count) bytes long; a revision has at most \(maxRevisionLength)")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/~^@{}+")
        guard raw.allSatisfy({ allowed.contains($0) }), !raw.contains(".."), !raw.hasPrefix("-"), !raw.hasPrefix("/"),
              !raw.contains("//"), !raw.contains("@{-") else {
            throw PageError(400, "'\(raw)' is not a revision: use a commit id, a branch or tag name, "
                            + "or one with ~N or ^N after it (for example main~1)")
        }
        return raw
    }

    /// `raw` as a positive count no larger than `limit`, or nil when absent.
    static func count(_ raw: String?, name: String, limit: Int = 100_000) throws -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let n = Int(raw), n > 0, n <= limit else {
            throw PageError(400, "the '\(name)' parameter must be a whole number from 1 to \(limit), not '\(raw.prefix(40))'")
        }
        return n
    }

    /// `raw` as a short free-text choice (a metric name, a status), at most 200 bytes, or nil when absent.
    static func word(_ raw: String?, name: String) throws -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.utf8.count <= 200 else { throw PageError(400, "the '\(name)' parameter is too long (\(raw.utf8.count) bytes; at most 200)") }
        return raw
    }
}
