import Foundation
import ModelRepo
import Testing

/// `mgit merge --method` and `--config` through the built binary.
@Suite struct MethodMergeCommandTests {
    @Test func mergesFineTunesFromTheirMergeBaseAndRefusesWithoutOne() throws {
        let box = try Sandbox()
        func commit(_ c: Checkpoint, _ branch: String) throws {
            let file = box.dir.file("\(branch).safetensors")
            try Fixtures.write(c, to: file)
            let r = try box.mgit("commit", file, "-m", branch, "--branch", branch)
            #expect(r.status == 0, "\(r.stderr)")
        }
        try commit(Fixtures.checkpoint(seed: 1), "main")
        #expect(try box.mgit("branch", "a", "main").status == 0 && box.mgit("branch", "b", "main").status == 0)
        try commit(Fixtures.checkpoint(seed: 1, variant: 1), "a")     // a changes fc2.weight only
        try commit(Fixtures.checkpoint(seed: 2), "b")                 // b changes fc1.* and fc2.weight
        let headB = try box.git("rev-parse", "b").stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let r = try box.mgit("merge", "a", "b", "--method", "ties", "--density", "0.5", "--weights", "0.6,0.4",
                             "--no-check", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        let provenance = try #require(report["provenance"] as? [String: Any])
        let details = try #require(provenance["report"] as? [String: Any])
        let merged = try #require(details["merged"] as? [[String: Any]])
        #expect(merged.map { $0["tensor"] as? String } == ["fc2.weight"])
        #expect(merged.first?["signConflicts"] is Double)
        let taken = try #require(details["takenFromOneSide"] as? [[String: Any]])
        #expect(Set(taken.compactMap { $0["tensor"] as? String }) == ["fc1.weight", "fc1.bias"])
        let parents = try box.git("log", "-1", "--format=%P", "a").stdout.split(separator: " ")
        #expect(parents.count == 2 && parents[1].hasPrefix(headB))
        #expect(try box.git("show", "a:mergekit_config.yml").stdout.contains("merge_method: ties"))

        // show --config prints the config that reproduces the merge; merged again it gives the same tensors.
        let shown = try box.mgit("show", "a", "--config")
        let stored = try box.git("show", "a:mergekit_config.yml").stdout
        #expect(shown.status == 0 && shown.stdout == stored)
        let replay = box.dir.file("replay.yml")
        try shown.stdout.write(toFile: replay, atomically: true, encoding: .utf8)
        #expect(try box.mgit("merge", "--config", replay, "--into", "again", "--no-check").status == 0)
        let (againTensors, aTensors) = (try box.git("rev-parse", "again:tensors").stdout, try box.git("rev-parse", "a:tensors").stdout)
        #expect(againTensors == aTensors && !aTensors.isEmpty)
        #expect(try box.mgit("show", "main", "--config").stderr.contains("not a method merge"))
        // Exported to a folder: the weights, a model card naming the inputs, the config.
        #expect(try box.mgit("export", "a", "-o", box.dir.file("release") + "/").status == 0)
        let card = try String(contentsOfFile: box.dir.file("release/README.md"), encoding: .utf8)
        #expect(card.hasPrefix("---\nbase_model:\n- ") && card.contains("base_model_relation: merge\ntags:\n- merge\n- mgit\n"))
        #expect(card.contains(headB))
        #expect(FileManager.default.fileExists(atPath: box.dir.file("release/mergekit_config.yml")))
        #expect(try SafeTensors.read(path: box.dir.file("release/model.safetensors")).names.count == 6)

        // A mergekit config, into a new branch.
        let config = box.dir.file("slerp.yml")
        try "merge_method: slerp\nmodels:\n  - model: b\n  - model: a~1\nparameters: {t: 0.3}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let s = try box.mgit("merge", "--config", config, "--into", "smooth", "--no-check")
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("by slerp") && s.stdout.contains("Merged: "))

        // No shared history: a base method is refused with a way forward; interpolate takes exactly two.
        try commit(Fixtures.checkpoint(seed: 3), "stranger")
        let refused = try box.mgit("merge", "a", "stranger", "--method", "task_arithmetic", "--no-check")
        #expect(refused.status == 1 && refused.stderr.contains("--base"))
        let three = try box.mgit("merge", "a", "b", "smooth")
        #expect(three.status == 1 && three.stderr.contains("exactly two"))
    }
}
