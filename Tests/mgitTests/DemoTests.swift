import Foundation
import Testing

/// The README's main job, run on a small, fast configuration (one hidden layer of 256, two epochs, 3,000 test
/// samples): the story itself is under test. `scripts/demo` checks its own figures and exits non-zero if the
/// naive merge is not refused, the aligned barrier is not under the threshold, or the merged model is less
/// accurate than the worse parent.
@Suite(.serialized) struct DemoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(arguments: [[], ["--biased"]])
    func theDemoTellsItsStoryAndChecksItsFigures(extra: [String]) throws {
        let dir = try TemporaryDirectory()
        let r = try MgitProcess.run("/bin/bash", [Self.root + "/scripts/demo", dir.path, "--fast", "--no-build"] + extra,
                                    in: Self.root, environment: ["MGIT": MgitProcess.binary, "OPENBLAS_NUM_THREADS": "1"])
        #expect(r.status == 0, "demo failed:\n\(r.stdout.suffix(3000))\n\(r.stderr.suffix(2000))")
        for step in ["== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "== 6.", "refused: naive loss barrier", "accepted: loss barrier",
                     "function check: same outputs", "plot: "] {
            #expect(r.stdout.contains(step), "missing '\(step)'")
        }
        let svg = try String(contentsOfFile: dir.path + "/barrier.svg", encoding: .utf8)
        #expect(svg.contains("</svg>"))
        let lineage = try MgitProcess.run(MgitProcess.binary, ["lineage", "teamA", "--json"], in: dir.path + "/models")
        let nodes = try #require(try lineage.json() as? [[String: Any]])
        #expect(nodes.first?["operation"] as? String == "merge")
        #expect(nodes.contains { $0["operation"] as? String == "rebase" })
        #expect(nodes.filter { $0["operation"] as? String == "train" }.count == 2)
    }
}
