import Foundation
import ModelRepo
import Testing

/// `mgit rebase`, `mgit merge` and `mgit barrier` through the built binary share one alignment path: the same
/// function-check figure, and the same refusal of a permutation spec that changes what the network computes.
@Suite struct AlignmentPathCommandTests {
    private func teams() throws -> Sandbox {
        let box = try Sandbox()
        for (branch, seed) in [("a", "1"), ("b", "2")] {
            let r = try box.mgit("train", "--hidden", "24", "--subset", "first:1500", "--seed", seed, "--test-data", "none",
                                 "--epochs", "1", "--branch", branch, "-m", "team \(branch)",
                                 environment: ["OPENBLAS_NUM_THREADS": "1"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return box
    }

    private let fast = ["--samples", "300", "--points", "3"]

    @Test func mergeAndBarrierPrintTheFunctionCheckRebasePrints() throws {
        let box = try teams()
        let rebase = try box.mgit("rebase", "b", "--onto", "a", "--dry-run", "--json")
        #expect(rebase.status == 0, "\(rebase.stderr)")
        let check = try #require((try rebase.json() as? [String: Any])?["functionCheck"] as? [String: Any])
        let figure = try #require(check["maxRelativeDifference"] as? Double)

        let barrier = try MgitProcess.run(MgitProcess.binary, ["barrier", "a", "b", "--json"] + fast, in: box.repo)
        #expect(barrier.status == 0, "\(barrier.stderr)")
        let barrierCheck = ((try barrier.json() as? [String: Any])?["alignment"] as? [String: Any])?["functionCheck"] as? [String: Any]
        #expect(barrierCheck?["maxRelativeDifference"] as? Double == figure)

        let merge = try MgitProcess.run(MgitProcess.binary, ["merge", "a", "b"] + fast, in: box.repo)
        #expect(merge.status == 0, "\(merge.stderr)")
        let line = try #require(merge.stdout.split(separator: "\n").first { $0.contains("function check:") })
        #expect(line.contains("same outputs on 64 probe samples") && line.contains(String(format: "%.1e", figure)), "\(line)")
    }

    @Test func aBrokenSpecIsRefusedByRebaseMergeAndBarrierAlike() throws {
        let box = try teams()
        // The built-in spec without fc2's input axis: fc1's units move, fc2 still reads them in the old order.
        let printed = try box.mgit("spec", "b")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        var tensors = try #require(json["tensors"] as? [String: Any])
        tensors["fc2.weight"] = [NSNull(), NSNull()]
        json["tensors"] = tensors
        let spec = box.dir.file("broken.json")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: spec))
        let refs = try box.git("for-each-ref").stdout

        for args in [["rebase", "b", "--onto", "a"], ["merge", "a", "b"] + fast, ["barrier", "a", "b"] + fast] {
            let r = try MgitProcess.run(MgitProcess.binary, args + ["--spec", spec], in: box.repo)
            #expect(r.status == 1, "\(args[0]): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(lines.count == 1 && lines[0].contains("does not compute the same function as 'b'"), "\(args[0]): \(r.stderr)")
        }
        #expect(try box.git("for-each-ref").stdout == refs, "no ref may move")
        #expect(try box.git("fsck", "--strict").status == 0)
    }
}
