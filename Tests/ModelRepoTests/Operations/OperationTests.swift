import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// The use cases called as a library user would: `RebaseOperation`, `MergeOperation` and `BarrierOperation` on a
/// real repository in a temporary folder, with a small data set file, no binary in between.
@Suite struct OperationTests {
    /// Two random 10-24-3 MLPs on branches `a` and `b`, and a data set file of 120 samples.
    private func twoTeams() throws -> (ScratchRepository, data: String) {
        let scratch = try ScratchRepository()
        let repo = scratch.repository
        for (branch, seed) in [("a", UInt64(1)), ("b", UInt64(2))] {
            _ = try repo.commit(AlignmentFixtures.mlp([10, 24, 3], seed: seed), message: "team \(branch)", branch: branch,
                                operation: OperationRecord(operation: "train", branch: nil))
        }
        var g = SeededGenerator(seed: 9)
        var data = Checkpoint()
        data["inputs"] = AlignmentFixtures.gaussian([120, 10], &g)
        let labels = (0..<120).map { Int64($0 % 3) }
        data["labels"] = Tensor(dtype: .i64, shape: [120], bytes: labels.withUnsafeBytes { Array($0) })
        let path = scratch.file("data.safetensors")
        try SafeTensors.write(data, to: path)
        return (scratch, path)
    }

    private func evaluation(_ data: String) -> EvaluationOptions {
        var e = EvaluationOptions()
        e.data = data
        return e
    }

    private func head(_ repo: Repository, _ branch: String) throws -> String { try repo.resolve(branch) }

    @Test func rebaseMergeAndBarrierShareOneAlignmentAndItsFunctionCheck() throws {
        let (scratch, data) = try twoTeams()
        let repo = scratch.repository
        var rebaseOptions = RebaseOptions()
        rebaseOptions.dryRun = true
        let rebase = try RebaseOperation(branch: "b", onto: "a", options: rebaseOptions).run(in: repo)
        let check = try #require(rebase.functionCheck)
        #expect(check.passed && check.samples == 64)

        var barrier = BarrierOperation("a", "b")
        barrier.points = 3
        barrier.evaluation = evaluation(data)
        let measured = try barrier.run(in: repo)
        var mergeOptions = MergeOptions()
        mergeOptions.points = 3
        mergeOptions.evaluation = evaluation(data)
        let merged = try MergeOperation("a", "b", options: mergeOptions).run(in: repo)

        // The same matching and the same probe give the same figures in all three.
        for summary in [try #require(measured.alignment), try #require(merged.alignmentSummary)] {
            #expect(summary.functionCheck == check)
            #expect(summary.objectiveAfter == rebase.objectiveAfter && summary.sweeps == rebase.sweeps)
        }
        #expect(merged.accepted && merged.commit != nil)

        // The aligned commit of the merge records what a rebase records.
        let aligned = try #require(try repo.rootFile("operation.json", at: merged.alignedB))
        let record = try JSONDecoder().decode(OperationRecord.self, from: Data(aligned))
        #expect(record.operation == "rebase")
        let details = try JSONEncoder().encode(try #require(record.details))
        let stored = try JSONDecoder().decode(RebaseReport.self, from: details)
        #expect(stored.source == merged.commitB && stored.basin == merged.commitA && stored.functionCheck == check)
        #expect(try repo.rootFile("permutations.json", at: merged.alignedB) != nil)
    }

    @Test func aBrokenSpecIsRefusedByEachOperationAndChangesNothing() throws {
        let (scratch, data) = try twoTeams()
        let repo = scratch.repository
        // The built-in spec without fc2's input axis: P_0 reorders fc1's units but fc2 still reads the old order.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(repo.permutationSpec(at: "b").jsonString().utf8)) as? [String: Any])
        var tensors = try #require(json["tensors"] as? [String: Any])
        tensors["fc2.weight"] = [NSNull(), NSNull()]
        json["tensors"] = tensors
        let spec = scratch.file("broken-spec.json")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: spec))
        let before = try (head(repo, "a"), head(repo, "b"), repo.operations().count)

        func expectRefusal(_ body: () throws -> Void) {
            do {
                try body()
                Issue.record("a broken spec was accepted")
            } catch let error as MgitError {
                #expect(error.code == .mismatch && error.message.contains("does not compute the same function"), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        var rebaseOptions = RebaseOptions()
        rebaseOptions.specPath = spec
        expectRefusal { _ = try RebaseOperation(branch: "b", onto: "a", options: rebaseOptions).run(in: repo) }
        var mergeOptions = MergeOptions()
        mergeOptions.specPath = spec
        mergeOptions.points = 3
        mergeOptions.evaluation = evaluation(data)
        expectRefusal { _ = try MergeOperation("a", "b", options: mergeOptions).run(in: repo) }
        var barrier = BarrierOperation("a", "b")
        barrier.specPath = spec
        barrier.points = 3
        barrier.evaluation = evaluation(data)
        expectRefusal { _ = try barrier.run(in: repo) }
        #expect(try (head(repo, "a"), head(repo, "b"), repo.operations().count) == before)
    }

    @Test func aRefusingHookIsAnOutcomeOfTheReportNotAnError() throws {
        let (scratch, data) = try twoTeams()
        let repo = scratch.repository
        try scratch.hook("pre-rebase", "#!/bin/sh\necho 'not today' >&2\nexit 1\n")
        try scratch.hook("pre-merge", "#!/bin/sh\nexit 7\n")
        let headB = try head(repo, "b"), headA = try head(repo, "a")

        let rebase = try RebaseOperation(branch: "b", onto: "a").run(in: repo)
        #expect(!rebase.accepted && rebase.rejectedBy == ["pre-rebase"] && rebase.commit == nil)
        #expect(rebase.hooks.first?.stderr.contains("not today") == true)

        var mergeOptions = MergeOptions()
        mergeOptions.points = 3
        mergeOptions.evaluation = evaluation(data)
        let merge = try MergeOperation("a", "b", options: mergeOptions).run(in: repo)
        #expect(!merge.accepted && merge.rejectedBy == ["pre-merge"] && merge.commit == nil)

        #expect(try head(repo, "a") == headA && head(repo, "b") == headB)
        let refused = try repo.operations().filter { $0.status == "rejected" }.map(\.kind)
        #expect(refused == ["rebase", "merge"])
    }

    @Test func optionsOutOfRangeAreRefusedInTheLibrarysOwnWords() throws {
        let (scratch, _) = try twoTeams()
        var options = MergeOptions()
        options.alpha = 1.5
        do {
            _ = try MergeOperation("a", "b", options: options).run(in: scratch.repository)
            Issue.record("alpha 1.5 was accepted")
        } catch let error as MgitError {
            #expect(error.parameter == "alpha" && !error.message.contains("--"), "\(error.message)")
        }
    }
}
