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

@Suite struct EvaluationTests {
    /// fc1 = [[1, −1], [−1, 1]], no bias, then ReLU; fc2 = [[2, 0], [0, 1]], bias [0.5, 0].
    static func handBuiltNetwork() throws -> any Network {
        var c = Checkpoint()
        c["fc1.weight"] = Tensor(shape: [2, 2], floats: [1, -1, -1, 1])
        c["fc1.bias"] = Tensor(shape: [2], floats: [0, 0])
        c["fc2.weight"] = Tensor(shape: [2, 2], floats: [2, 0, 0, 1])
        c["fc2.bias"] = Tensor(shape: [2], floats: [0.5, 0])
        return try makeNetwork(ArchitectureSpec.detect(from: c), c)
    }

    @Test(arguments: [1, 2, 3, 1000])
    func handBuiltNetworkGivesHandComputedLossAndAccuracy(batch: Int) throws {
        // x = [3, 1]: h = [2, 0], z = [4.5, 0], label 1: loss = ln(e^4.5 + 1) − 0, wrong.
        // x = [0, 2]: h = [0, 2], z = [0.5, 2], label 1: loss = ln(e^0.5 + e^2) − 2, right.
        // x = [1, 1]: h = [0, 0], z = [0.5, 0], label 0: loss = ln(e^0.5 + 1) − 0.5, right.
        let dataset = Dataset(inputs: FloatMatrix(rows: 3, columns: 2, values: [3, 1, 0, 2, 1, 1]), labels: [1, 1, 0])
        let expectedLoss = (log(exp(4.5) + 1) + (log(exp(0.5) + exp(2)) - 2) + (log(exp(0.5) + 1) - 0.5)) / 3
        let result = try Evaluation.evaluate(Self.handBuiltNetwork(), dataset, batch: batch)
        #expect(result.count == 3)
        #expect(result.accuracy == 2.0 / 3.0)
        #expect(abs(result.loss - expectedLoss) < 1e-6, "loss \(result.loss), expected \(expectedLoss)")
    }

    @Test func checkpointEntryPointDetectsTheMLP() throws {
        var c = Checkpoint()
        c["fc1.weight"] = Tensor(shape: [2, 2], floats: [1, 0, 0, 1])
        let dataset = Dataset(inputs: FloatMatrix(rows: 2, columns: 2, values: [0, 0, 1, 0]), labels: [1, 0])
        let result = try Evaluation.evaluate(c, spec: nil, on: dataset)
        // [0, 0] → ln 2 and a tie, which goes to class 0 (wrong); [1, 0] → ln(1 + e^−1), right.
        #expect(abs(result.loss - (log(2) + log(1 + exp(-1))) / 2) < 1e-6 && result.accuracy == 0.5)
    }

    @Test func lossStaysFiniteForHugeLogitsAndTiesGoToTheFirstClass() {
        let logits = FloatMatrix(rows: 3, columns: 2, values: [1000, 0, 0, 1000, 7, 7])
        let scored = Evaluation.score(logits: logits, labels: [1, 1, 0][...])
        // 1000 + ln(1 + e^−1000) for the first, ~0 for the second, ln 2 for the tie.
        #expect(abs(scored.lossSum - (1000 + log(2.0))) < 1e-4)
        #expect(scored.correct == 2)
    }

    @Test func datasetThatDoesNotFitTheNetworkIsRejected() throws {
        let network = try Self.handBuiltNetwork()
        let wide = Dataset(inputs: FloatMatrix(rows: 1, columns: 3, repeating: 0), labels: [0])
        let error = #expect(throws: MgitError.self) { try Evaluation.evaluate(network, wide) }
        #expect(error?.code == .mismatch)
        #expect(error?.message.contains("takes 2 inputs per sample but the dataset has 3") == true)
        let manyClasses = Dataset(inputs: FloatMatrix(rows: 1, columns: 2, repeating: 0), labels: [4])
        #expect(throws: MgitError.self) { try Evaluation.evaluate(network, manyClasses) }
    }
}
