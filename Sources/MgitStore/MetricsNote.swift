import Foundation
import MgitInterop

/// The note attached to a commit under `refs/notes/mgit-metrics`: metrics added after the commit was made.
///
/// JSON, `{"metrics": [{"name": ..., "value": ..., "split": ..., "source": ..., "time": ...}]}`, so metrics
/// travel with `git push`/`git fetch` of the notes ref and `mgit reindex` recovers them.
package struct MetricsNote: Codable, Equatable {
    package var metrics: [Metric]

    package func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    package static func decode(_ text: String, commit: String) throws -> MetricsNote {
        do {
            return try JSONDecoder().decode(MetricsNote.self, from: Data(text.utf8))
        } catch {
            throw MgitError(.corrupt, "the metrics note on commit \(commit.prefix(12)) is not valid JSON: \(error)")
        }
    }

    /// The memberwise initializer, for the modules above this one.
    package init(metrics: [Metric]) {
        self.metrics = metrics
    }
}
