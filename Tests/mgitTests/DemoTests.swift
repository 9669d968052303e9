import Foundation
import Testing

/// The README's main job, run on a small, fast configuration (one hidden layer of 256, 3,000 test samples): the
/// story itself is under test. `scripts/demo` checks its own figures and exits non-zero if the naive merge is not
/// refused, the aligned barrier is not under the threshold and 90% below the naive one, or the merged model is
/// more than half a point less accurate than the worse parent. The story must hold whatever seeds the teams
/// pick and however many BLAS threads train them (the thread count changes the trained bits).
@Suite(.serialized) struct DemoTests {
    static let cases: [(seeds: String, threads: String, extra: [String])] = [
        ("1,2", "1", []), ("3,4", "1", []), ("5,6", "1", []),
        ("1,2", "2", []), ("3,4", "2", []), ("5,6", "2", []),
        ("1,2", "1", ["--biased"]),
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(arguments: 0..<cases.count)
    func theDemoTellsItsStoryAndChecksItsFigures(index: Int) throws {
        let (seeds, threads, extra) = Self.cases[index]
        let dir = try TemporaryDirectory()
        let r = try MgitProcess.run("/bin/bash", [Self.root + "/scripts/demo", dir.path, "--fast", "--no-build", "--seeds", seeds] + extra,
                                    in: Self.root, environment: ["MGIT": MgitProcess.binary, "OPENBLAS_NUM_THREADS": threads])
        #expect(r.status == 0, "demo --seeds \(seeds) \(extra) with \(threads) BLAS threads failed:\n\(r.stdout.suffix(3000))\n\(r.stderr.suffix(2000))")
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
