import Foundation
import ModelRepo
import Testing

/// Several mgit processes writing to one repository at once: each succeeds or says "busy" (exit 75), and
/// nothing that succeeded is lost.
@Suite(.serialized) struct ConcurrencyTests {
    /// What one writer of a round does.
    enum Writer {
        case commit(branch: String, seed: UInt64)
        case metrics(revision: String, value: Int)

        func arguments(_ box: Sandbox, round: Int, index: Int) throws -> [String] {
            switch self {
            case .commit(let branch, let seed):
                let file = box.dir.file("w\(round)-\(index).safetensors")
                try Fixtures.write(Fixtures.checkpoint(seed: seed, variant: round, hidden: 64), to: file)
                return ["commit", file, "-m", "round \(round) writer \(index)", "--branch", branch, "--json"]
            case .metrics(let revision, let value):
                return ["metrics", "add", revision, "w\(index)=\(value)", "--json"]
            }
        }
    }

    @Test func eightWritersAtOnceLoseNothing() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(seed: 99), to: box.dir.file("base.safetensors"))
        #expect(try box.mgit("commit", box.dir.file("base.safetensors"), "-m", "base").status == 0)
        let base = try box.git("rev-parse", "main").stdout.trimmingCharacters(in: .newlines)

        // Two writers race for main, four have their own branches, two add metrics to the same commit.
        let writers: [Writer] = [
            .commit(branch: "main", seed: 1), .commit(branch: "main", seed: 2),
            .commit(branch: "teamA", seed: 3), .commit(branch: "teamB", seed: 4),
            .commit(branch: "teamC", seed: 5), .commit(branch: "teamD", seed: 6),
            .metrics(revision: base, value: 1), .metrics(revision: base, value: 2),
        ]
        var committed: [String] = []
        var metricsAdded: [String] = []
        var busy = 0
        for round in 0..<3 {
            let arguments = try writers.enumerated().map { try $0.element.arguments(box, round: round, index: $0.offset) }
            let running = try arguments.map { try RunningCommand.start($0, in: box.repo) }
            for (i, command) in running.enumerated() {
                let result = command.finish()
                if result.status == 75 {
                    busy += 1
                    #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains("try again"), "\(result.stderr)")
                    continue
                }
                #expect(result.status == 0, "\(command.arguments): \(result.stderr)")
                guard result.status == 0, let json = try? result.json() as? [String: Any] else { continue }
                switch writers[i] {
                case .commit: committed.append(json["commit"] as? String ?? "?")
                case .metrics: metricsAdded.append("w\(i)")
                }
            }
        }
        print("concurrency: \(committed.count) commits and \(metricsAdded.count) metrics added, \(busy) busy")
        // Most writers get through: branches other than main never contend.
        #expect(committed.count >= 12, "\(busy) busy")

        try StoreAudit.expectSound(box.repo)
        let indexed = try StoreAudit.indexedCommits(box.repo)
        for commit in committed {
            #expect(try box.git("cat-file", "-t", commit).stdout == "commit\n")
            #expect(indexed.contains(commit), "\(commit) is not in the lineage database")
        }
        // Each branch's head is the last commit that succeeded on it: none was overwritten.
        for branch in ["teamA", "teamB", "teamC", "teamD"] {
            let history = try box.git("rev-list", branch).stdout.split(separator: "\n").map(String.init)
            let mine = committed.filter { history.contains($0) }
            // A branch's first commit starts a new line of history, so every commit on it is a writer's.
            #expect(mine.count == history.count, "\(branch): \(mine.count) of \(history.count)")
        }
        let onMain = try box.git("rev-list", "main").stdout.split(separator: "\n").map(String.init)
        #expect(committed.filter { onMain.contains($0) }.count == onMain.count - 1)
        // Every metric that was reported recorded is there, in git's notes and in the database.
        let shown = try box.mgit("metrics", base, "--json").stdout
        let note = try box.git("notes", "--ref", "mgit-metrics", "show", base).stdout
        for (name, count) in Dictionary(grouping: metricsAdded, by: { $0 }).mapValues(\.count) {
            #expect(shown.components(separatedBy: "\"name\" : \"\(name)\"").count - 1 == count, "\(name) in the database")
            #expect(note.components(separatedBy: "\"name\" : \"\(name)\"").count - 1 == count, "\(name) in the note")
        }
        let noteMetrics = note.components(separatedBy: "\"name\"").count - 1
        #expect(noteMetrics == metricsAdded.count)
    }
}
