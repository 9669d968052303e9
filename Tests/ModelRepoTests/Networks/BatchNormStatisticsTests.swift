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

@Suite struct BatchNormStatisticsTests {
    @Test func resetAveragesTrainingModeBatchStatisticsLikePyTorch() throws {
        var random = TestRandom(77)
        var c = random.resnet20(width: 1, inChannels: 3, classes: 10, batchNorm: true)
        c["bn1.num_batches_tracked"] = Tensor(dtype: .i64, shape: [], bytes: [UInt8](repeating: 0, count: 8))
        let spec = ArchitectureSpec.resnet20(input: [3, 8, 8])
        let network = try #require(try makeNetwork(spec, c) as? ResNet20Network)
        let x = random.inputs(rows: 7, columns: 3 * 8 * 8)
        let dataset = Dataset(inputs: x, labels: [Int](repeating: 0, count: 7), sampleShape: [3, 8, 8])

        let reset = try BatchNormStatistics.reset(c, spec: spec, on: dataset, batch: 4)

        // Batches of 4 and 3 samples, each run in training mode by the naive reference.
        let batches = [x.rows(0..<4), x.rows(4..<7)].map {
            ForwardPassTests.naiveResNet(c, $0, input: [3, 8, 8], width: 1, batchNorm: true, trainingMode: true).statistics
        }
        let names = network.batchNormNames
        #expect(names.count == 1 + 9 * 2 + 2 && batches[0].count == names.count)
        for (i, name) in names.enumerated() {
            let positions = batches.enumerated().map { b, _ in
                let n = b == 0 ? 4 : 3
                let size = name.hasPrefix("layer3") || name.hasPrefix("layer2") ? (name.hasPrefix("layer3") ? 2 : 4) : 8
                return Double(n * size * size)
            }
            let mean = (0..<batches[0][i].mean.count).map { ch in
                batches.map { $0[i].mean[ch] }.reduce(0, +) / 2
            }
            let variance = (0..<batches[0][i].variance.count).map { ch in
                zip(batches, positions).map { $0[i].variance[ch] * $1 / ($1 - 1) }.reduce(0, +) / 2
            }
            let gotMean = reset["\(name).running_mean"]!.floats(), gotVar = reset["\(name).running_var"]!.floats()
            #expect(NaiveReference.relativeError(gotMean, mean) < 1e-4, "\(name).running_mean")
            #expect(NaiveReference.relativeError(gotVar, variance) < 1e-4, "\(name).running_var")
            #expect(reset["\(name).weight"] == c["\(name).weight"])
        }
        #expect(reset["bn1.num_batches_tracked"]!.bytes == [2, 0, 0, 0, 0, 0, 0, 0])
        #expect(reset["layer1.0.conv1.weight"] == c["layer1.0.conv1.weight"])
        #expect(reset.names == c.names)
    }

    @Test func networksWithoutBatchNormAreRejected() {
        var random = TestRandom(78)
        let c = random.resnet20(width: 1, inChannels: 3, classes: 10, batchNorm: false)
        let dataset = Dataset(inputs: random.inputs(rows: 2, columns: 48), labels: [0, 1])
        let error = #expect(throws: MgitError.self) {
            try BatchNormStatistics.reset(c, spec: .resnet20(input: [3, 4, 4], norm: .layernorm), on: dataset)
        }
        #expect(error?.message.contains("has no BatchNorm layers") == true)
    }
}
