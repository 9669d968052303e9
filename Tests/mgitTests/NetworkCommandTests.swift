import Foundation
import ModelRepo
import Testing

/// `mgit train`, `mgit eval`, `mgit rebase` and `mgit spec` through the built binary, on real Fashion-MNIST.
@Suite struct NetworkCommandTests {
    /// Two small MLPs trained from different seeds on branches `a` and `b`.
    private func twoTeams(hidden: String = "32", sameWidths: Bool = true) throws -> Sandbox {
        let box = try Sandbox()
        for (branch, seed, h) in [("a", "1", hidden), ("b", "2", sameWidths ? hidden : "24")] {
            let r = try box.mgit("train", "--hidden", h, "--subset", "first:2000", "--epochs", "1", "--seed", seed,
                                 "--test-data", "none", "--branch", branch, "-m", "team \(branch)",
                                 environment: ["OPENBLAS_NUM_THREADS": "1"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return box
    }

    @Test func evalOfAHandBuiltCheckpointGivesTheExpectedLossAndRecordsIt() throws {
        let box = try Sandbox()
        // logits = x·Wᵀ + b with W = [[2, 0], [0, 1]], b = [0, 1]; three samples with labels [0, 1, 1].
        var model = Checkpoint()
        model["fc1.weight"] = Tensor(shape: [2, 2], floats: [2, 0, 0, 1])
        model["fc1.bias"] = Tensor(shape: [2], floats: [0, 1])
        var data = Checkpoint()
        data["inputs"] = Tensor(shape: [3, 2], floats: [1, 0, 0, 1, 1, 1])
        data["labels"] = Tensor(dtype: .i64, shape: [3], bytes: [0, 1, 1].flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) })
        try Fixtures.write(model, to: box.dir.file("m.safetensors"))
        try Fixtures.write(data, to: box.dir.file("d.safetensors"))
        try box.mgit("commit", box.dir.file("m.safetensors"), "-m", "hand-built")
        let r = try box.mgit("eval", "HEAD", "--data", box.dir.file("d.safetensors"), "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        // Sample logits: [2, 1] (label 0), [0, 2] (label 1), [2, 2] (label 1, a tie: argmax takes the first, wrong).
        func ce(_ z: [Double], _ y: Int) -> Double { log(z.map { exp($0) }.reduce(0, +)) - z[y] }
        let expected = (ce([2, 1], 0) + ce([0, 2], 1) + ce([2, 2], 1)) / 3
        #expect(abs((report["loss"] as! Double) - expected) < 1e-6)
        #expect(abs((report["accuracy"] as! Double) - 2.0 / 3.0) < 1e-12)
        let metrics = try #require(try box.mgit("metrics", "HEAD", "--json").json() as? [String: Any])
        let names = (metrics["metrics"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["loss", "accuracy"])
    }

    @Test func rebaseMovesBIntoABasinKeepsItsFunctionAndCanBeUndone() throws {
        let box = try twoTeams()
        let before = try box.git("rev-parse", "b").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let basin = try box.git("rev-parse", "a").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try box.mgit("rebase", "b", "--onto", "a", "--seed", "3", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        #expect((report["objectiveAfter"] as! Double) > (report["objectiveBefore"] as! Double))
        let check = try #require(report["functionCheck"] as? [String: Any])
        #expect((check["maxRelativeDifference"] as? Double ?? 1) <= 1e-4)
        let commit = try #require(report["commit"] as? String)
        #expect(try box.git("rev-parse", "b^").stdout.hasPrefix(before))
        #expect(try box.git("rev-parse", "b").stdout.hasPrefix(commit))
        let message = try box.git("log", "-1", "--format=%B", "b").stdout
        #expect(message.contains("Mgit-Operation: rebase\n") && message.contains("Mgit-Source: \(basin)\n"))
        #expect(try box.git("cat-file", "-e", "b:permutations.json").status == 0)

        // The same function: exported before and after, evaluated on the same data, the same loss.
        let evalBefore = try #require(try box.mgit("eval", before, "--data", "fashion-mnist:test", "--no-record", "--json").json() as? [String: Any])
        let evalAfter = try #require(try box.mgit("eval", "b", "--data", "fashion-mnist:test", "--no-record", "--json").json() as? [String: Any])
        #expect(abs((evalBefore["loss"] as! Double) - (evalAfter["loss"] as! Double)) < 1e-5)
        #expect(evalBefore["accuracy"] as! Double == evalAfter["accuracy"] as! Double)

        let lineage = try #require(try box.mgit("lineage", "b", "--json").json() as? [[String: Any]])
        #expect(lineage.first?["operation"] as? String == "rebase")
        #expect(lineage.first?["sources"] as? [String] == [basin])

        // Undo: the inverse permutation gives back the very same tensor blobs.
        #expect(try box.mgit("rebase", "--undo", "b").status == 0)
        let diff = try #require(try box.mgit("diff", before, "b", "--json").json() as? [String: Any])
        #expect(diff["changed"] as? Int == 0 && diff["unchanged"] as? Int == 4)
        #expect(try box.git("fsck", "--strict").status == 0)
    }

    @Test func theSameSeedFindsTheSamePermutationAndADryRunCommitsNothing() throws {
        let box = try twoTeams()
        let refs = try box.git("for-each-ref").stdout
        let one = try #require(try box.mgit("rebase", "b", "--onto", "a", "--seed", "5", "--dry-run", "--json").json() as? [String: Any])
        let two = try #require(try box.mgit("rebase", "b", "--onto", "a", "--seed", "5", "--dry-run", "--json").json() as? [String: Any])
        #expect(one["objectiveAfter"] as? Double == two["objectiveAfter"] as? Double)
        #expect(one["unitsMoved"] as? NSDictionary == two["unitsMoved"] as? NSDictionary)
        #expect(one["commit"] == nil)
        #expect(try box.git("for-each-ref").stdout == refs)
    }

    @Test func activationMatchingAlsoPreservesTheFunction() throws {
        let box = try twoTeams()
        let r = try box.mgit("rebase", "b", "--onto", "a", "--method", "activation", "--data", "fashion-mnist:test", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        #expect(report["method"] as? String == "activation")
        #expect((report["objectiveAfter"] as! Double) > (report["objectiveBefore"] as! Double))
        #expect((report["functionCheck"] as? [String: Any]) != nil)
    }

    @Test func mismatchedArchitecturesAndBadSpecsAreRefusedAndChangeNothing() throws {
        let box = try twoTeams(sameWidths: false)
        let before = try box.state()
        let r = try box.mgit("rebase", "b", "--onto", "a")
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains("fc1.weight") && r.stderr.contains("shape"), "\(r.stderr)")
        let spec = box.dir.file("spec.json")
        _ = FileManager.default.createFile(atPath: spec, contents: Data(try box.mgit("spec", "b").stdout.replacingOccurrences(of: "fc2", with: "fc9").utf8))
        let bad = try box.mgit("rebase", "b", "--onto", "b~0", "--spec", spec)
        #expect(bad.status != 0 && bad.stderr.contains("fc9"), "\(bad.stderr)")
        let unknown = try box.mgit("rebase", "nosuch", "--onto", "a")
        #expect(unknown.status != 0 && unknown.stderr.contains("'nosuch'"))
        #expect(try box.state() == before)
    }

    @Test func aPreRebaseHookCanRefuseARebase() throws {
        let box = try twoTeams()
        let hook = box.repo + "/.mgit/hooks/pre-rebase"
        _ = FileManager.default.createFile(atPath: hook, contents: Data("#!/bin/sh\necho \"no rebases on $MGIT_BRANCH today\" >&2\nexit 1\n".utf8))
        chmod(hook, 0o755)
        let refs = try box.git("for-each-ref").stdout
        let r = try box.mgit("rebase", "b", "--onto", "a")
        #expect(r.status == 3)
        #expect(r.stderr.contains("error: pre-rebase hook rejected") && r.stderr.contains("no rebases on b today"), "\(r.stderr)")
        #expect(try box.git("for-each-ref").stdout == refs)
    }
}
