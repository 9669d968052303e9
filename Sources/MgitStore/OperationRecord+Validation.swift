import Foundation
import MgitInterop

extension OperationRecord {
    /// Throws `.corrupt` naming the commit when a field cannot be stored as read: a NUL in a string (SQLite's
    /// text functions stop at it), a metric without a name or with a value that is not finite, or a source
    /// that is not a commit id.
    package func validate(commit: String) throws {
        func corrupt(_ what: String) -> MgitError {
            MgitError(.corrupt, "the operation record of commit \(commit.prefix(12)) is not valid: \(what)")
        }
        for (field, value) in [("operation", operation), ("branch", branch ?? ""), ("sourceFile", sourceFile ?? "")]
        where value.utf8.contains(0) {
            throw corrupt("its \(field) contains a NUL character")
        }
        if operation.isEmpty { throw corrupt("it names no operation") }
        if let bad = sources.first(where: { ObjectID(hex: $0) == nil }) {
            throw corrupt("the source '\(bad.prefix(60))' is not a commit id")
        }
        try Metric.validate(metrics, where: "the operation record of commit \(commit.prefix(12))")
    }
}

extension Metric {
    /// Throws `.corrupt` when a metric read from git (an operation record, a metrics note) cannot be stored:
    /// an empty name, a NUL in a string, or a value that is not finite.
    package static func validate(_ metrics: [Metric], where place: String) throws {
        for m in metrics {
            let strings = [m.name, m.split ?? "", m.source ?? ""]
            guard !m.name.isEmpty, !strings.contains(where: { $0.utf8.contains(0) }) else {
                throw MgitError(.corrupt, "\(place) holds a metric with an empty name or a NUL character")
            }
            guard m.value.isFinite, m.time.map({ $0.isFinite }) ?? true else {
                throw MgitError(.corrupt, "\(place) holds metric '\(m.name)' with a value that is not a finite number")
            }
        }
    }
}
