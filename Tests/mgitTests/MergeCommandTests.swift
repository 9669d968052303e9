import Foundation
import ModelRepo
import Testing

/// `mgit barrier` and `mgit merge` through the built binary: policy, hooks, evaluators, and what the repository
/// holds afterwards.
@Suite struct MergeCommandTests {
    /// Two small MLPs from different seeds on `a` and `b`; fast settings for every measurement.
    private func teams() throws -> Sandbox {
        let box = try Sandbox()
        for (branch, seed) in [("a", "1"), ("b", "2")] {
            let r = try box.mgit("train", "--hidden", "24", "--subset", "first:1500", "--seed", seed, "--test-data", "none",
                                 "--branch", branch, "-m", "team \(branch)", environment: ["OPENBLAS_NUM_THREADS": "1"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return box
    }

    private let fast = ["--samples", "600", "--points", "5"]

    private func merge(_ box: Sandbox, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CommandResult {
        try MgitProcess.run(MgitProcess.binary, ["merge", "a", "b"] + fast + extra, in: box.repo,
                            environment: environment.merging(["OPENBLAS_NUM_THREADS": "1"]) { a, _ in a })
    }

    private func hook(_ box: Sandbox, _ script: String) throws {
        let path = box.repo + "/.mgit/hooks/pre-merge"
        _ = FileManager.default.createFile(atPath: path, contents: Data(("#!/bin/sh\n" + script + "\n").utf8))
        chmod(path, 0o755)
    }

    @Test func anAcceptedMergeCommitsTheMixWithTwoParentsAndRecordsItsCurve() throws {
        let box = try teams()
        let headA = try box.git("rev-parse", "a").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let headB = try box.git("rev-parse", "b").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // --no-repair: the plain mix, so its bytes can be checked against the formula below.
        let r = try merge(box, ["--json", "--alpha", "0.5", "--no-repair"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        #expect(report["accepted"] as? Bool == true && report["alignment"] as? String == "weight")
        #expect(report["repair"] == nil)
        let commit = try #require(report["commit"] as? String)
        let parents = try box.git("log", "-1", "--format=%P", "a").stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(parents.first == headA && parents.count == 2)
        #expect(try box.git("rev-parse", "a").stdout.hasPrefix(commit))
        #expect(try box.git("rev-parse", "b").stdout.hasPrefix(headB), "branch b must not move")
        // The second parent is B aligned: B's head permuted, with the permutations stored.
        #expect(try box.git("rev-parse", "\(commit)^2^").stdout.hasPrefix(headB))
        #expect(try box.git("cat-file", "-e", "\(commit)^2:permutations.json").status == 0)

        // θ = ½θ_A + ½π(θ_B), checked independently from the exported files.
        for (rev, file) in [("a~1", "A"), ("\(commit)^2", "B"), ("a", "M")] {
            #expect(try box.mgit("export", rev, "-o", box.dir.file("\(file).safetensors")).status == 0)
        }
        let ckA = try SafeTensors.read(path: box.dir.file("A.safetensors")), ckB = try SafeTensors.read(path: box.dir.file("B.safetensors"))
        let ckM = try SafeTensors.read(path: box.dir.file("M.safetensors"))
        for name in ckA.names {
            let x = ckA[name]!.floats(), y = ckB[name]!.floats(), m = ckM[name]!.floats()
            for i in 0..<x.count { #expect(abs(m[i] - (0.5 * x[i] + 0.5 * y[i])) <= 1e-6, "\(name)[\(i)]") }
        }
        // The curve and the merged metrics are in git (operation.json) and in the database.
        let operation = try box.git("show", "a:operation.json").stdout
        #expect(operation.contains("\"barrier\"") && operation.contains("\"lossBarrier\""))
        let metrics = try #require(try box.mgit("metrics", "a", "--json").json() as? [String: Any])
        #expect(((metrics["metrics"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "accuracy" })
        let lineage = try #require(try box.mgit("lineage", "a", "--depth", "1", "--json").json() as? [[String: Any]])
        #expect(lineage.first?["operation"] as? String == "merge")
        #expect(try box.git("fsck", "--strict").status == 0)
    }

    @Test func theMaxBarrierPolicyRefusesANaiveMergeAndRecordsTheAttempt() throws {
        let box = try teams()
        let before = try box.git("for-each-ref").stdout
        let r = try merge(box, ["--no-align", "--max-barrier", "0.0001", "--json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("error: merge refused, nothing was changed: loss barrier"), "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        #expect(report["accepted"] as? Bool == false && report["rejectedBy"] as? [String] == ["merge.maxBarrier"])
        #expect(try box.git("for-each-ref").stdout == before)
        let audit = try #require(try box.mgit("operations", "--status", "rejected", "--json").json() as? [[String: Any]])
        #expect(audit.count == 1 && audit.first?["kind"] as? String == "merge")
        // The same limit from the config.
        try box.mgit("config", "merge.maxBarrier", "0.0001")
        #expect(try merge(box, ["--no-align"]).status == 3)
    }

    @Test func aRejectingHookShowsItsReasonAndMovesNothing() throws {
        let box = try teams()
        try hook(box, "echo \"barrier $MGIT_LOSS_BARRIER is too high for us\" >&2\nexit 1")
        let before = try box.state()
        let r = try merge(box)
        #expect(r.status == 3)
        #expect(r.stderr.contains("error: merge refused") && r.stderr.contains("is too high for us"), "\(r.stderr)")
        var after = try box.state()
        after.database = before.database // the refused attempt is recorded; refs and reachable history are not touched
        #expect(after.refs == before.refs && after.head == before.head)
    }

    @Test func anAcceptingHookReadsTheReportOnStdin() throws {
        let box = try teams()
        let seen = box.dir.file("payload.json")
        try hook(box, "cat > '\(seen)'\nenv | grep '^MGIT_' > '\(seen).env'\nexit 0")
        let r = try merge(box, ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let payload = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: seen))) as? [String: Any])
        let report = try #require(try r.json() as? [String: Any])
        #expect(payload["commitA"] as? String == report["commitA"] as? String)
        #expect(((payload["barrier"] as? [String: Any])?["lossBarrier"] as? Double) == ((report["barrier"] as? [String: Any])?["lossBarrier"] as? Double))
        let env = try String(contentsOfFile: seen + ".env", encoding: .utf8)
        for key in ["MGIT_LOSS_BARRIER=", "MGIT_ACC_BARRIER=", "MGIT_MERGED_ACCURACY=", "MGIT_ACCURACY_A=", "MGIT_BRANCH_B=b"] {
            #expect(env.contains(key), "\(key) missing")
        }
    }

    @Test func aCrashingOrHangingHookIsARejection() throws {
        let box = try teams()
        try box.mgit("config", "hooks.timeout", "1")
        let refs = try box.git("for-each-ref").stdout
        try hook(box, "kill -SEGV $$")
        let crashed = try merge(box)
        #expect(crashed.status == 3 && crashed.stderr.contains("SIGSEGV"), "\(crashed.stderr)")
        try hook(box, "sleep 1000")
        let start = Date()
        let hung = try merge(box)
        #expect(hung.status == 3 && hung.stderr.contains("timed out"), "\(hung.stderr)")
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(try box.git("for-each-ref").stdout == refs)
    }

    @Test func theSampleHookRejectsTheNaiveMergeAndAcceptsTheAlignedOne() throws {
        let box = try teams()
        #expect(try box.mgit("hooks", "enable", "max-loss-barrier").status == 0)
        // The naive barrier of two differently seeded MLPs is large; the aligned one is far smaller.
        let naive = try #require(try box.mgit("barrier", "a", "b", "--samples", "600", "--points", "5", "--json").json() as? [String: Any])
        let naiveBarrier = try #require((naive["naive"] as? [String: Any])?["lossBarrier"] as? Double)
        let alignedBarrier = try #require((naive["aligned"] as? [String: Any])?["lossBarrier"] as? Double)
        #expect(alignedBarrier < naiveBarrier)
        let limit = (naiveBarrier + alignedBarrier) / 2
        try box.mgit("config", "hooks.maxLossBarrier", "\(limit)")
        let refused = try merge(box, ["--no-align"])
        #expect(refused.status == 3 && refused.stderr.contains("max-loss-barrier"), "\(refused.stderr)")
        let accepted = try merge(box)
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }

    @Test func anExternalEvaluatorIsUsedAndItsFailuresAreClear() throws {
        let box = try teams()
        // The documented numpy evaluator, on a dataset file the test writes.
        var data = Checkpoint()
        var g: UInt64 = 7
        let inputs = (0..<(50 * 784)).map { _ -> Float in g = g &* 6364136223846793005 &+ 1; return Float(g >> 40) / Float(1 << 24) }
        data["inputs"] = Tensor(shape: [50, 784], floats: inputs)
        data["labels"] = Tensor(dtype: .i64, shape: [50], bytes: (0..<50).flatMap { withUnsafeBytes(of: Int64($0 % 10).littleEndian, Array.init) })
        try SafeTensors.write(data, to: box.dir.file("data.safetensors"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/examples/eval_mlp.py").path
        guard (try? MgitProcess.run("/usr/bin/env", ["python3", "-c", "import numpy"], in: box.dir.path).status) == 0 else { return }
        let command = "python3 '\(script)' {checkpoint} '\(box.dir.file("data.safetensors"))'"
        let ok = try box.mgit("barrier", "a", "b", "--no-align", "--points", "3", "--eval-cmd", command, "--json")
        #expect(ok.status == 0, "\(ok.stderr)")
        let report = try #require(try ok.json() as? [String: Any])
        #expect(report["evaluator"] as? String == command)

        let refs = try box.git("for-each-ref").stdout
        for (bad, says) in [("sh -c 'echo boom >&2; exit 2'", "boom"), ("echo not-json", "not-json"), ("sleep 100 && echo {checkpoint}", "timed out")] {
            try box.mgit("config", "eval.timeout", "1")
            let r = try merge(box, ["--eval-cmd", bad])
            #expect(r.status != 0 && r.status != 3)
            #expect(r.stderr.contains("error: ") && r.stderr.contains(says), "\(bad): \(r.stderr)")
        }
        #expect(try box.git("for-each-ref").stdout == refs)
    }

    @Test func barrierWritesAnSVGPlot() throws {
        let box = try teams()
        let plot = box.dir.file("barrier.svg")
        let r = try box.mgit("barrier", "a", "b", "--samples", "300", "--points", "3", "--plot", plot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("naive") && r.stdout.contains("aligned"))
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
        #expect(svg.contains("naive") && svg.contains("aligned") && svg.contains("</svg>"))
    }

    @Test func byDefaultTheMergeIsRepairedHiddenLayersRescaledTheOutputLayerTheMix() throws {
        let box = try teams()
        let r = try merge(box, ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        let repair = try #require(report["repair"] as? [String: Any])
        #expect(repair["units"] as? Int == 24 && repair["layers"] as? Int == 1)
        let commit = try #require(report["commit"] as? String)
        for (rev, file) in [("a~1", "A"), ("\(commit)^2", "B"), ("a", "M")] {
            #expect(try box.mgit("export", rev, "-o", box.dir.file("\(file).safetensors")).status == 0)
        }
        let ckA = try SafeTensors.read(path: box.dir.file("A.safetensors")), ckB = try SafeTensors.read(path: box.dir.file("B.safetensors"))
        let ckM = try SafeTensors.read(path: box.dir.file("M.safetensors"))
        #expect(ckM.names.sorted() == ckA.names.sorted())
        let output = try #require(ckA.names.filter { $0.hasSuffix(".weight") }.sorted().last)
        let hidden = try #require(ckA.names.filter { $0.hasSuffix(".weight") }.sorted().first)
        func mixed(_ name: String) -> [Float] { zip(ckA[name]!.floats(), ckB[name]!.floats()).map { 0.5 * $0 + 0.5 * $1 } }
        // The output layer is the plain mix; the hidden layer's rows are the mix's rows rescaled per unit.
        #expect(zip(ckM[output]!.floats(), mixed(output)).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(zip(ckM[hidden]!.floats(), mixed(hidden)).contains { abs($0 - $1) > 1e-4 })
    }
}
