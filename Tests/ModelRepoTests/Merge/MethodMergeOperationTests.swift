import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// Method merges in a real repository: the merge base from lineage, git's three-way rule, octopus parents, the
/// recorded config recomputing the merge, and the refusals.
@Suite struct MethodMergeOperationTests {
    private func tensor(_ values: [Float]) -> Tensor { Tensor(shape: [values.count], floats: values) }

    /// main: the base; math, code and chat fine-tune it: math changes a and c, code changes b and c, chat c.
    private func fineTunes() throws -> (ScratchRepository, base: Checkpoint, [String: Checkpoint]) {
        let scratch = try ScratchRepository()
        let repo = scratch.repository
        var base = Checkpoint()
        base["a"] = tensor([1, 2, 3])
        base["b"] = tensor([0.5, 0.25])
        base["c"] = tensor([4, 4, 4, 4])
        base["d"] = tensor([9])
        func commit(_ c: Checkpoint, _ branch: String) throws {
            let file = scratch.path + "/\(branch).safetensors"
            try SafeTensors.write(c, to: file)
            _ = try repo.commit(checkpointAt: file, message: branch, branch: branch)
        }
        try commit(base, "main")
        var tunes: [String: Checkpoint] = [:]
        for (branch, edits) in [("math", [("a", [1, 2, 5] as [Float]), ("c", [5, 4, 4, 3])]),
                                ("code", [("b", [0.75, 0.25]), ("c", [4, 6, 4, 4])]),
                                ("chat", [("c", [3, 4, 4, 4])])] {
            _ = try repo.createBranch(branch, at: "main")
            var c = base
            for (name, values) in edits { c[name] = tensor(values) }
            try commit(c, branch)
            tunes[branch] = c
        }
        return (scratch, base, tunes)
    }

    @Test func anOctopusMergeTakesOneSidedChangesAndRecordsWhatRecomputesIt() throws {
        let (scratch, base, tunes) = try fineTunes()
        let repo = scratch.repository
        let heads = try ["math", "code", "chat"].map { try repo.resolve($0) }
        let recipe = MergeRecipe(method: .taskArithmetic, inputs: ["math", "code", "chat"].map { .init(model: $0) },
                                 parameters: ["weight": .number(0.5)])
        var options = MethodMergeOptions()
        options.noCheck = true
        let report = try repo.merge(recipe: recipe, options: options)
        let commit = try #require(report.commit)
        #expect(report.accepted && report.into == "math")
        #expect(report.provenance.base == (try repo.resolve("main")))

        // Octopus: every input is a parent, the receiving branch's head first; math moved, the others did not.
        let object = try repo.git.commit(try #require(ObjectID(hex: commit)))
        #expect(object.parents.map(\.hex) == heads)
        #expect(try repo.resolve("math") == commit && repo.resolve("code") == heads[1])

        // Three-way: a from math and b from code byte for byte, d from the base, c = 4 + 0.5·Σ τ.
        let merged = try repo.loadCheckpoint(commit)
        #expect(merged["a"] == tunes["math"]!["a"] && merged["b"] == tunes["code"]!["b"] && merged["d"] == base["d"])
        #expect(merged["c"]!.floats() == [4, 5, 4, 3.5])
        #expect(report.provenance.report.merged.map(\.tensor) == ["c"] && report.provenance.report.unchanged == 1)

        // operation.json holds the provenance; mergekit_config.yml, merged again into a new branch, gives the same tree.
        let operation = try #require(try repo.rootFile("operation.json", at: commit))
        #expect(String(decoding: operation, as: UTF8.self).contains("\"provenance\""))
        let config = String(decoding: try #require(try repo.rootFile("mergekit_config.yml", at: commit)), as: UTF8.self)
        var again = MethodMergeOptions()
        again.noCheck = true
        again.into = "replay"
        let replay = try repo.merge(recipe: try MergeRecipe(mergekitYAML: config), options: again)
        let replayCommit = try #require(replay.commit)
        let replayed = try repo.git.commit(try #require(ObjectID(hex: replayCommit)))
        // The same tensors, manifest and config; operation.json differs only in what it says about the run.
        func entries(_ tree: ObjectID) throws -> [String: ObjectID] {
            Dictionary(uniqueKeysWithValues: try repo.git.treeEntries(tree).map { ($0.name, $0.id) })
        }
        let (first, second) = (try entries(object.tree), try entries(replayed.tree))
        for name in ["tensors", "manifest.json", "mergekit_config.yml"] {
            #expect(first[name] != nil && first[name] == second[name], "\(name)")
        }
    }

    @Test func refusesABaseMethodWithoutSharedHistoryAndAnUncheckedMergeAHookRejects() throws {
        let (scratch, _, _) = try fineTunes()
        let repo = scratch.repository
        var other = Checkpoint()
        other["a"] = tensor([0, 0, 0]); other["b"] = tensor([0, 0]); other["c"] = tensor([0, 0, 0, 0]); other["d"] = tensor([0])
        try SafeTensors.write(other, to: scratch.path + "/other.safetensors")
        _ = try repo.commit(checkpointAt: scratch.path + "/other.safetensors", message: "unrelated", branch: "other")
        var options = MethodMergeOptions()
        options.noCheck = true
        let error = #expect(throws: MgitError.self) {
            try repo.merge(recipe: MergeRecipe(method: .ties, inputs: [.init(model: "math"), .init(model: "other")]), options: options)
        }
        #expect(error?.message.contains("--base") == true)

        // The max-loss-increase sample refuses a merge that skipped evaluation; nothing moves.
        _ = try repo.enableHookSample("max-loss-increase")
        let before = try repo.resolve("math")
        let report = try repo.merge(recipe: MergeRecipe(method: .ties, inputs: [.init(model: "math"), .init(model: "code")]),
                                    options: options)
        #expect(!report.accepted && report.commit == nil)
        #expect(report.rejectedBy == ["pre-merge.d/max-loss-increase"])
        #expect(report.hooks.first?.stderr.contains("--no-check") == true)
        #expect(try repo.resolve("math") == before)
    }
}
