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

/// Every architecture's BLAS forward pass against direct Double loops (NaiveReference), to 1e-5 relative.
@Suite struct ForwardPassTests {
    typealias Naive = NaiveReference

    static func rows(_ x: FloatMatrix) -> [[Double]] {
        (0..<x.rows).map { r in (0..<x.columns).map { Double(x[r, $0]) } }
    }

    @Test func mlpMatchesNaiveLoopsIncludingHiddenActivations() throws {
        var random = TestRandom(1)
        // Names whose natural order (net.2 before net.10) differs from their string order.
        let names = ["net.0", "net.2", "net.10"]
        let widths = [7, 6, 5, 3]
        var c = Checkpoint()
        for (i, name) in names.enumerated().reversed() {
            c["\(name).weight"] = random.weights([widths[i + 1], widths[i]])
            c["\(name).bias"] = random.tensor([widths[i + 1]], -0.5, 0.5)
        }
        let spec = try ArchitectureSpec.detect(from: c)
        #expect(spec.layers == names)
        let network = try makeNetwork(spec, c)
        #expect(network.inputSize == 7 && network.classCount == 3)
        #expect(network.activationNames == ["net.0", "net.2"])

        let x = random.inputs(rows: 4, columns: 7)
        var h = Self.rows(x)
        var expected: [[[Double]]] = []
        for (i, name) in names.enumerated() {
            h = Naive.linear(h, weight: c["\(name).weight"]!.floats(), bias: c["\(name).bias"]!.floats(),
                             outputs: widths[i + 1])
            if i < names.count - 1 { h = Naive.relu(h); expected.append(h) }
        }
        let (logits, activations) = network.forward(x, recordingActivations: true)
        #expect(logits.rows == 4 && logits.columns == 3)
        #expect(Naive.relativeError(logits.values, h.flatMap { $0 }) < 1e-5)
        #expect(activations.map(\.name) == ["net.0", "net.2"])
        for (a, e) in zip(activations, expected) {
            #expect(a.values.rows == 4 && a.values.columns == e[0].count)
            #expect(Naive.relativeError(a.values.values, e.flatMap { $0 }) < 1e-5)
        }
        #expect(network.forward(x) == logits)
    }

    /// One convolution layer per case: (input channels, size, out channels, kernel, stride, padding, pool).
    @Test(arguments: [
        (2, 8, 4, 3, 1, 1, 2),
        (3, 9, 5, 3, 2, 1, 1),
        (1, 7, 3, 5, 1, 2, 3),
        (2, 6, 2, 1, 2, 0, 1),
        (2, 5, 3, 3, 1, 0, 1),
        (1, 4, 2, 2, 3, 2, 1),
    ])
    func vggMatchesNaiveLoops(_ inC: Int, _ size: Int, _ outC: Int, _ k: Int, _ stride: Int, _ padding: Int,
                              _ pool: Int) throws {
        var random = TestRandom(UInt64(inC * 1000 + size * 100 + k * 10 + stride))
        var c = Checkpoint()
        c["features.0.weight"] = random.weights([outC, inC, k, k])
        c["features.0.bias"] = random.tensor([outC], -0.2, 0.2)
        c["features.3.weight"] = random.weights([4, outC, 3, 3])
        c["features.3.bias"] = random.tensor([4], -0.2, 0.2)
        let o1 = (size + 2 * padding - k) / stride + 1
        let o2 = o1 / pool
        let flat = 4 * o2 * o2
        c["classifier.0.weight"] = random.weights([6, flat])
        c["classifier.0.bias"] = random.tensor([6], -0.2, 0.2)
        c["classifier.2.weight"] = random.weights([3, 6])
        c["classifier.2.bias"] = random.tensor([3], -0.2, 0.2)
        let spec = ArchitectureSpec.vgg(
            input: [inC, size, size],
            features: [.conv(name: "features.0", stride: stride, padding: padding), .pool(size: pool),
                       .conv(name: "features.3", stride: 1, padding: 1)],
            classifier: ["classifier.0", "classifier.2"])
        let network = try makeNetwork(spec, c)
        #expect(network.activationNames == ["features.0", "features.3", "classifier.0"])

        let x = random.inputs(rows: 3, columns: inC * size * size)
        var m = Naive.maps(Self.rows(x), c: inC, h: size, w: size)
        m = Naive.relu(Naive.conv(m, weight: c["features.0.weight"]!.floats(), bias: c["features.0.bias"]!.floats(),
                                  out: outC, k: k, stride: stride, padding: padding))
        let first = m
        m = Naive.maxPool(m, pool)
        m = Naive.relu(Naive.conv(m, weight: c["features.3.weight"]!.floats(), bias: c["features.3.bias"]!.floats(),
                                  out: 4, k: 3, stride: 1, padding: 1))
        var h = Naive.relu(Naive.linear(Naive.flatten(m), weight: c["classifier.0.weight"]!.floats(),
                                        bias: c["classifier.0.bias"]!.floats(), outputs: 6))
        let hidden = h
        h = Naive.linear(h, weight: c["classifier.2.weight"]!.floats(), bias: c["classifier.2.bias"]!.floats(), outputs: 3)

        let (logits, activations) = network.forward(x, recordingActivations: true)
        #expect(Naive.relativeError(logits.values, h.flatMap { $0 }) < 1e-5)
        #expect(activations[0].values.rows == 3 * o1 * o1 && activations[0].values.columns == outC)
        #expect(Naive.relativeError(activations[0].values.values, first.positionsByChannel().flatMap { $0 }) < 1e-5)
        #expect(Naive.relativeError(activations[1].values.values, m.positionsByChannel().flatMap { $0 }) < 1e-5)
        #expect(Naive.relativeError(activations[2].values.values, hidden.flatMap { $0 }) < 1e-5)
    }

    @Test func activationsOverADatasetConcatenateBatchesInSampleOrder() throws {
        var random = TestRandom(12)
        let c = random.resnet20(width: 1, inChannels: 1, classes: 4, batchNorm: true)
        let network = try makeNetwork(.resnet20(input: [1, 4, 4]), c)
        let x = random.inputs(rows: 5, columns: 16)
        let dataset = Dataset(inputs: x, labels: [0, 1, 2, 3, 0], sampleShape: [1, 4, 4])
        let whole = network.forward(x.rows(0..<4), recordingActivations: true).activations
        let batched = try network.activations(on: dataset, limit: 4, batch: 3)
        #expect(batched.map(\.name) == network.activationNames)
        for (a, b) in zip(whole, batched) {
            #expect(a.values.rows == b.values.rows && a.values.columns == b.values.columns)
            #expect(Naive.relativeError(b.values.values, a.values.values.map(Double.init)) < 1e-6, "\(a.name)")
        }
        #expect(throws: MgitError.self) {
            try network.activations(on: Dataset(inputs: FloatMatrix(rows: 1, columns: 3, repeating: 0), labels: [0]))
        }
    }

    /// The im2col blocks (a few output lines each) tile the output exactly, whatever the block size.
    @Test(arguments: [1, 50, 400, 1 << 17])
    func convolutionBlocksTileTheOutput(blockElements: Int) throws {
        var random = TestRandom(9)
        var c = Checkpoint()
        c["conv.weight"] = random.weights([5, 3, 3, 3])
        c["conv.bias"] = random.tensor([5], -0.2, 0.2)
        var reader = ParameterReader(c, architecture: "test")
        for (stride, padding) in [(1, 1), (2, 1), (1, 0)] {
            let conv = try ConvLayer(name: "conv", stride: stride, padding: padding, reader: &reader)
            let x = random.inputs(rows: 3, columns: 3 * 7 * 6)
            let y = conv.apply(FeatureMap(nchw: x, channels: 3, height: 7, width: 6), blockElements: blockElements)
            let expected = Naive.conv(Naive.maps(Self.rows(x), c: 3, h: 7, w: 6), weight: c["conv.weight"]!.floats(),
                                      bias: c["conv.bias"]!.floats(), out: 5, k: 3, stride: stride, padding: padding)
            #expect(y.height == expected.h && y.width == expected.w)
            #expect(Naive.relativeError(y.flattenedNCHW().values, expected.v) < 1e-5)
        }
    }

    /// Naive ResNet-20: returns logits, the recorded activations by name, and in training mode the batch
    /// statistics of every BatchNorm in forward order.
    static func naiveResNet(_ c: Checkpoint, _ x: FloatMatrix, input: [Int], width w: Int, batchNorm: Bool,
                            trainingMode: Bool = false)
        -> (logits: [[Double]], activations: [String: Naive.Maps], statistics: [(mean: [Double], variance: [Double])]) {
        var statistics: [(mean: [Double], variance: [Double])] = []
        var activations: [String: Naive.Maps] = [:]
        func norm(_ p: String, _ m: Naive.Maps) -> Naive.Maps {
            let (weight, bias) = (c["\(p).weight"]!.floats(), c["\(p).bias"]!.floats())
            guard batchNorm else { return Naive.layerNorm(m, weight: weight, bias: bias) }
            if trainingMode {
                let s = Naive.channelStatistics(m)
                statistics.append(s)
                return Naive.batchNorm(m, mean: s.mean, variance: s.variance, weight: weight, bias: bias)
            }
            return Naive.batchNorm(m, mean: c["\(p).running_mean"]!.doubles(), variance: c["\(p).running_var"]!.doubles(),
                                   weight: weight, bias: bias)
        }
        func conv(_ p: String, _ m: Naive.Maps, out: Int, k: Int, stride: Int, padding: Int) -> Naive.Maps {
            Naive.conv(m, weight: c["\(p).weight"]!.floats(), bias: nil, out: out, k: k, stride: stride, padding: padding)
        }
        var h = Naive.maps(rows(x), c: input[0], h: input[1], w: input[2])
        h = Naive.relu(norm("bn1", conv("conv1", h, out: 16 * w, k: 3, stride: 1, padding: 1)))
        activations["conv1"] = h
        for stage in 1...3 {
            let out = 16 * w << (stage - 1)
            for b in 0..<3 {
                let p = "layer\(stage).\(b)"
                let stride = stage > 1 && b == 0 ? 2 : 1
                let inner = Naive.relu(norm("\(p).bn1", conv("\(p).conv1", h, out: out, k: 3, stride: stride, padding: 1)))
                activations["\(p).conv1"] = inner
                let main = norm("\(p).bn2", conv("\(p).conv2", inner, out: out, k: 3, stride: 1, padding: 1))
                let skip = stride == 2
                    ? norm("\(p).shortcut.1", conv("\(p).shortcut.0", h, out: out, k: 1, stride: 2, padding: 0)) : h
                h = Naive.relu(Naive.add(main, skip))
                activations["\(p).conv2"] = h
            }
        }
        let logits = Naive.linear(Naive.globalAveragePool(h), weight: c["linear.weight"]!.floats(),
                                  bias: c["linear.bias"]!.floats(), outputs: c["linear.weight"]!.shape[0])
        return (logits, activations, statistics)
    }

    /// (width, input channels, image size, BatchNorm?).
    @Test(arguments: [(1, 3, 8, true), (1, 3, 8, false), (2, 1, 4, true)])
    func resnet20MatchesNaiveLoops(_ w: Int, _ inC: Int, _ size: Int, _ batchNorm: Bool) throws {
        var random = TestRandom(UInt64(40 + w + size))
        let c = random.resnet20(width: w, inChannels: inC, classes: 10, batchNorm: batchNorm)
        let input = [inC, size, size]
        let network = try makeNetwork(.resnet20(input: input, width: w, norm: batchNorm ? .batchnorm : .layernorm), c)
        #expect(network.inputSize == inC * size * size && network.classCount == 10)
        let x = random.inputs(rows: 3, columns: inC * size * size)
        let expected = Self.naiveResNet(c, x, input: input, width: w, batchNorm: batchNorm)
        let (logits, activations) = network.forward(x, recordingActivations: true)
        #expect(logits.rows == 3 && logits.columns == 10)
        #expect(Naive.relativeError(logits.values, expected.logits.flatMap { $0 }) < 1e-5)
        #expect(activations.count == 19 && activations.map(\.name) == network.activationNames)
        for a in activations {
            let e = try #require(expected.activations[a.name], "no reference activation '\(a.name)'")
            #expect(a.values.columns == e.c && a.values.rows == e.n * e.h * e.w)
            #expect(Naive.relativeError(a.values.values, e.positionsByChannel().flatMap { $0 }) < 1e-5, "\(a.name)")
        }
    }
}
