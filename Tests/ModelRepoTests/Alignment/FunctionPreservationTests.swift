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

/// The test that matters for re-basin: a network permuted by its built-in spec computes the same function.
/// Random weights, random BatchNorm statistics, random permutations; the forward passes are mgit's own.
@Suite struct FunctionPreservationTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case mlp, vgg, resnet20BatchNorm, resnet20LayerNorm
        var testDescription: String { rawValue }
    }

    private func model(_ c: Case) -> (ArchitectureSpec, Checkpoint) {
        switch c {
        case .mlp:
            return (.mlp(), AlignmentFixtures.mlp([12, 16, 16, 8, 5], seed: 3))
        case .vgg:
            var g = SeededGenerator(seed: 5)
            var ck = Checkpoint()
            ck["features.0.weight"] = AlignmentFixtures.gaussian([4, 3, 3, 3], &g)
            ck["features.0.bias"] = AlignmentFixtures.gaussian([4], &g)
            ck["features.3.weight"] = AlignmentFixtures.gaussian([6, 4, 3, 3], &g)
            ck["features.3.bias"] = AlignmentFixtures.gaussian([6], &g)
            ck["classifier.0.weight"] = AlignmentFixtures.gaussian([5, 6 * 4 * 4], &g, scale: 0.2)
            ck["classifier.0.bias"] = AlignmentFixtures.gaussian([5], &g)
            ck["classifier.2.weight"] = AlignmentFixtures.gaussian([3, 5], &g)
            ck["classifier.2.bias"] = AlignmentFixtures.gaussian([3], &g)
            let spec = ArchitectureSpec.vgg(input: [3, 8, 8], features: [
                .conv(name: "features.0", stride: 1, padding: 1), .pool(size: 2),
                .conv(name: "features.3", stride: 1, padding: 1),
            ], classifier: ["classifier.0", "classifier.2"])
            return (spec, ck)
        case .resnet20BatchNorm:
            return (.resnet20(input: [3, 8, 8], width: 1, norm: .batchnorm), AlignmentFixtures.resnet20(width: 1, norm: .batch, seed: 7))
        case .resnet20LayerNorm:
            return (.resnet20(input: [3, 8, 8], width: 1, norm: .layernorm), AlignmentFixtures.resnet20(width: 1, norm: .layer, seed: 9))
        }
    }

    @Test(arguments: Case.allCases)
    func aPermutedNetworkComputesTheSameFunction(_ c: Case) throws {
        let (architecture, original) = model(c)
        let spec = try PermutationSpec.builtin(for: original)
        let (permuted, permutations) = try AlignmentFixtures.randomlyPermuted(original, spec: spec, seed: 11)
        #expect(permutations.permutations.values.contains { !$0.isIdentity })
        #expect(permuted != original, "the permutation must actually move weights")

        let network = try makeNetwork(architecture, original)
        let inputs = FunctionCheck.probeInputs(count: 16, inputSize: network.inputSize, seed: 1)
        let x = network.forward(inputs)
        let y = try makeNetwork(architecture, permuted).forward(inputs)
        let scale = x.values.map { abs($0) }.max()!
        #expect(scale > 0.01)
        for i in 0..<x.values.count {
            #expect(abs(x.values[i] - y.values[i]) <= 1e-5 * scale, "logit \(i): \(x.values[i]) vs \(y.values[i])")
        }
        // And mgit's own check agrees.
        let check = try FunctionCheck.run(architecture: architecture, original: original, permuted: permuted, inputs: inputs)
        #expect(check.passed)
    }

    @Test func aWrongSpecIsCaughtByTheFunctionCheck() throws {
        let (architecture, original) = model(.mlp)
        // Permute only fc1's rows, not fc2's columns: the function changes.
        var broken = original
        let w = original["fc1.weight"]!, rows = w.shape[0], cols = w.shape[1]
        var bytes = w.bytes
        let rowBytes = cols * 4
        for c in 0..<rowBytes { bytes.swapAt(c, rowBytes + c) }
        broken["fc1.weight"] = Tensor(dtype: .f32, shape: [rows, cols], bytes: bytes)
        let inputs = FunctionCheck.probeInputs(count: 16, inputSize: 12, seed: 2)
        let check = try FunctionCheck.run(architecture: architecture, original: original, permuted: broken, inputs: inputs)
        #expect(!check.passed)
    }
}
