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

/// ResNet-20 (BatchNorm) written by hand in the template form of docs/PERMUTATION-SPECS.md.
let resnet20TemplateJSON = """
{
  "format": 1,
  "input": [["conv1.weight", 1]],
  "output": [["linear.weight", 0], ["linear.bias", 0]],
  "tensors": {
    "conv1.weight": ["P_res1", null, null, null],
    "linear.weight": [null, "P_res3"],
    "linear.bias": [null]
  },
  "repeat": [
    {"for": {"t": ["weight", "bias", "running_mean", "running_var"]},
     "tensors": {"bn1.{t}": ["P_res1"]}},
    {"for": {"s": [1, 2, 3], "b": [1, 2], "t": ["weight", "bias", "running_mean", "running_var"]},
     "tensors": {
       "layer{s}.{b}.bn1.{t}": ["P_layer{s}.{b}.inner"],
       "layer{s}.{b}.bn2.{t}": ["P_res{s}"]}},
    {"for": {"s": [1, 2, 3], "b": [1, 2]},
     "tensors": {
       "layer{s}.{b}.conv1.weight": ["P_layer{s}.{b}.inner", "P_res{s}", null, null],
       "layer{s}.{b}.conv2.weight": ["P_res{s}", "P_layer{s}.{b}.inner", null, null]}},
    {"for": [{"s": 1, "in": "P_res1"}, {"s": 2, "in": "P_res1"}, {"s": 3, "in": "P_res2"}],
     "tensors": {
       "layer{s}.0.conv1.weight": ["P_layer{s}.0.inner", "{in}", null, null],
       "layer{s}.0.conv2.weight": ["P_res{s}", "P_layer{s}.0.inner", null, null]}},
    {"for": {"s": [1, 2, 3], "t": ["weight", "bias", "running_mean", "running_var"]},
     "tensors": {
       "layer{s}.0.bn1.{t}": ["P_layer{s}.0.inner"],
       "layer{s}.0.bn2.{t}": ["P_res{s}"]}},
    {"for": [{"s": 2, "in": "P_res1"}, {"s": 3, "in": "P_res2"}],
     "tensors": {"layer{s}.0.shortcut.0.weight": ["P_res{s}", "{in}", null, null]}},
    {"for": {"s": [2, 3], "t": ["weight", "bias", "running_mean", "running_var"]},
     "tensors": {"layer{s}.0.shortcut.1.{t}": ["P_res{s}"]}}
  ]
}
"""

@Suite struct PermutationSpecTests {
    typealias AP = PermutationSpec.AxisPermutation

    @Test func mlpSpecPermutesHiddenUnitsOnly() throws {
        let c = AlignmentFixtures.mlp([6, 5, 4, 3], seed: 1)
        let spec = try PermutationSpec.builtin(for: c)
        #expect(PermutationSpec.architecture(of: c) == .mlp)
        #expect(spec.axes == [
            "fc1.weight": [AP("P_0"), nil], "fc1.bias": [AP("P_0")],
            "fc2.weight": [AP("P_1"), AP("P_0")], "fc2.bias": [AP("P_1")],
            "fc3.weight": [nil, AP("P_1")], "fc3.bias": [nil],
        ])
        #expect(spec.permutationAxes["P_0"]!.map { "\($0.tensor):\($0.axis)" } == ["fc1.bias:0", "fc1.weight:0", "fc2.weight:1"])
        #expect(try spec.sizes(for: c) == ["P_0": 5, "P_1": 4])
        #expect(spec.inputAxes == [.init("fc1.weight", 1)])
        #expect(spec.outputAxes == [.init("fc3.weight", 0), .init("fc3.bias", 0)])
    }

    @Test func mlpLayersSortNumerically() throws {
        var c = Checkpoint()
        var g = SeededGenerator(seed: 2)
        // layers.10 follows layers.2 although it sorts before it as text.
        c["layers.10.weight"] = AlignmentFixtures.gaussian([2, 3], &g)
        c["layers.0.weight"] = AlignmentFixtures.gaussian([4, 5], &g)
        c["layers.2.weight"] = AlignmentFixtures.gaussian([3, 4], &g)
        let spec = try PermutationSpec.mlp(for: c)
        #expect(spec.axes["layers.0.weight"] == [AP("P_0"), nil])
        #expect(spec.axes["layers.2.weight"] == [AP("P_1"), AP("P_0")])
        #expect(spec.axes["layers.10.weight"] == [nil, AP("P_1")])
        #expect(naturallyPrecedes("fc2", "fc10") && !naturallyPrecedes("fc10", "fc2"))
    }

    @Test(arguments: [AlignmentFixtures.Norm.batch, .layer])
    func resnet20SpecSharesOnePermutationPerResidualStream(norm: AlignmentFixtures.Norm) throws {
        let c = AlignmentFixtures.resnet20(width: 1, norm: norm, seed: 3)
        #expect(PermutationSpec.architecture(of: c) == .resnet)
        let spec = try PermutationSpec.builtin(for: c)
        #expect(spec.permutationNames.count == 3 + 9)
        #expect(spec.axes["conv1.weight"] == [AP("P_res1"), nil, nil, nil])
        #expect(spec.axes["layer1.2.conv2.weight"] == [AP("P_res1"), AP("P_layer1.2.inner"), nil, nil])
        #expect(spec.axes["layer2.0.conv1.weight"] == [AP("P_layer2.0.inner"), AP("P_res1"), nil, nil])
        #expect(spec.axes["layer2.0.shortcut.0.weight"] == [AP("P_res2"), AP("P_res1"), nil, nil])
        #expect(spec.axes["layer3.0.shortcut.1.weight"] == [AP("P_res3")])
        #expect(spec.axes["layer3.2.bn2.bias"] == [AP("P_res3")])
        #expect(spec.axes["linear.weight"] == [nil, AP("P_res3")])
        #expect(spec.axes["bn1.num_batches_tracked"] == nil)
        #expect((spec.axes["bn1.running_mean"] != nil) == (norm == .batch))
        let sizes = try spec.sizes(for: c)
        #expect(sizes["P_res1"] == 16 && sizes["P_res2"] == 32 && sizes["P_res3"] == 64)
        #expect(sizes["P_layer3.1.inner"] == 64)
        // Every tensor but the scalars is covered.
        #expect(Set(spec.tensorNames) == Set(c.names.filter { !$0.hasSuffix("num_batches_tracked") }))
    }

    @Test func resnet20TemplateJSONEqualsTheBuiltinSpec() throws {
        let c = AlignmentFixtures.resnet20(width: 1, norm: .batch, seed: 4)
        let fromJSON = try PermutationSpec(json: resnet20TemplateJSON)
        #expect(fromJSON == (try PermutationSpec.resnet(for: c)))
    }

    @Test func vggSpecPermutesTheFlattenedAxisInChannelBlocks() throws {
        let c = AlignmentFixtures.vgg(seed: 5)
        #expect(PermutationSpec.architecture(of: c) == .vgg)
        let spec = try PermutationSpec.builtin(for: c)
        #expect(spec.axes["features.0.weight"] == [AP("P_features.0"), nil, nil, nil])
        #expect(spec.axes["features.1.running_var"] == [AP("P_features.0")])
        #expect(spec.axes["features.3.weight"] == [AP("P_features.3"), AP("P_features.0"), nil, nil])
        #expect(spec.axes["classifier.0.weight"] == [AP("P_classifier.0"), AP("P_features.3", group: 4)])
        #expect(spec.axes["classifier.2.weight"] == [nil, AP("P_classifier.0")])
        #expect(try spec.sizes(for: c) == ["P_features.0": 4, "P_features.3": 6, "P_classifier.0": 5])
    }

    @Test func explicitLayerListsGiveTheSameSpecs() throws {
        let v = AlignmentFixtures.vgg(seed: 15)
        let explicit = try PermutationSpec.vgg(convolutions: ["features.0", "features.3"],
                                               classifier: ["classifier.0", "classifier.2"],
                                               normalisations: ["features.1": "features.0"], for: v)
        #expect(explicit == (try PermutationSpec.vgg(for: v)))
        let m = AlignmentFixtures.mlp([6, 5, 4, 3], seed: 16)
        #expect(try PermutationSpec.mlp(layers: ["fc1", "fc2", "fc3"], for: m) == (try PermutationSpec.mlp(for: m)))
        // A wrong order breaks the chain of shapes and says where.
        #expect {
            try PermutationSpec.mlp(layers: ["fc2", "fc1", "fc3"], for: m)
        } throws: { error in
            (error as? MgitError)?.message.contains("'fc1.weight' axis 1") == true
        }
        #expect(throws: MgitError.self) {
            try PermutationSpec.vgg(convolutions: ["features.0"], classifier: ["classifier.0"],
                                    normalisations: ["features.1": "classifier.9"], for: v)
        }
    }

    @Test(arguments: ["mlp", "resnet", "vgg"])
    func jsonRoundTripsExactly(kind: String) throws {
        let c = switch kind {
        case "mlp": AlignmentFixtures.mlp([4, 3, 2], seed: 6)
        case "resnet": AlignmentFixtures.resnet20(width: 1, norm: .layer, seed: 6)
        default: AlignmentFixtures.vgg(seed: 6)
        }
        let spec = try PermutationSpec.builtin(for: c)
        let text = spec.jsonString()
        #expect(try PermutationSpec(json: text) == spec)
        #expect(try PermutationSpec(json: text).jsonString() == text)
    }

    @Test func permutationSetJSONRoundTripsAndRejectsNonPermutations() throws {
        let set = PermutationSet(["P_0": try Permutation([2, 0, 1]), "P_10": try Permutation([0]), "P_2": .identity(2)])
        let text = set.jsonString()
        #expect(text.contains("\"P_0\": [2, 0, 1]"))
        #expect(try PermutationSet(json: text) == set)
        #expect(set.names == ["P_0", "P_2", "P_10"])
        for bad in ["{\"format\": 1, \"permutations\": {\"P\": [0, 0]}}",
                    "{\"format\": 1, \"permutations\": {\"P\": [0, true]}}",
                    "{\"format\": 1, \"permutations\": {\"P\": [1.5, 0]}}",
                    "{\"format\": 2, \"permutations\": {}}", "[1]", "{"] {
            #expect(throws: MgitError.self, "\(bad)") { try PermutationSet(json: bad) }
        }
    }

    @Test func specErrorsNameTheTensorAndAxis() throws {
        let c = AlignmentFixtures.mlp([6, 5, 4, 3], seed: 7)
        func mismatch(_ json: String, _ needle: String) {
            #expect {
                try PermutationSpec(json: json).sizes(for: c)
            } throws: { error in
                guard let e = error as? MgitError else { return false }
                return e.code == .mismatch && e.message.contains(needle)
            }
        }
        let io = "\"input\": [[\"fc1.weight\", 1]], \"output\": [[\"fc3.weight\", 0]]"
        mismatch("{\"format\": 1, \(io), \"tensors\": {\"fc9.weight\": [\"P\", null]}}", "'fc9.weight'")
        mismatch("{\"format\": 1, \(io), \"tensors\": {\"fc1.weight\": [\"P\"]}}", "'fc1.weight' has shape [5, 6]")
        mismatch("{\"format\": 1, \(io), \"tensors\": {\"fc1.weight\": [\"P\", null], \"fc3.weight\": [null, \"P\"]}}",
                 "tensor 'fc3.weight' axis 1")
        mismatch("{\"format\": 1, \(io), \"permutations\": {\"P\": {\"size\": 4}}, \"tensors\": {\"fc1.weight\": [\"P\", null]}}",
                 "declared with size 4")
        mismatch("{\"format\": 1, \(io), \"tensors\": {\"fc1.weight\": [{\"perm\": \"P\", \"group\": 2}, null]}}",
                 "not a multiple of the group 2")
        mismatch("{\"format\": 1, \"input\": [[\"fc1.weight\", 2]], \"output\": [[\"fc3.weight\", 0]], \"tensors\": {}}",
                 "input axis tensor 'fc1.weight' axis 2")

        // Permuting the input features or output classes is refused whatever the checkpoint.
        for json in ["{\"format\": 1, \(io), \"tensors\": {\"fc1.weight\": [null, \"P\"]}}",
                     "{\"format\": 1, \(io), \"tensors\": {\"fc3.weight\": [\"P\", null]}}",
                     "{\"format\": 1, \"tensors\": {}}",
                     "{\"format\": 1, \(io), \"tensors\": {}, \"extra\": 1}",
                     "{\"format\": 1, \(io), \"tensors\": {\"fc{k}.weight\": [null, null]}}"] {
            #expect(throws: MgitError.self, "\(json)") { try PermutationSpec(json: json) }
        }
        // A tensor the spec does not mention is left alone even when its shape matches a permuted axis.
        let partial = try PermutationSpec(json: "{\"format\": 1, \(io), \"tensors\": {\"fc1.weight\": [\"P\", null]}}")
        let p = PermutationSet(["P": try Permutation([4, 3, 2, 1, 0])])
        let out = try partial.apply(p, to: c)
        #expect(out["fc1.bias"] == c["fc1.bias"])
        #expect(out["fc1.weight"] != c["fc1.weight"])
    }

    @Test(arguments: [DType.f32, .bf16, .f16, .f64])
    func applyMovesBytesLikeNaiveIndexingAndInverseRestoresThem(dtype: DType) throws {
        let c = AlignmentFixtures.mlp([6, 5, 4, 3], seed: 8, dtype: dtype)
        let spec = try PermutationSpec.builtin(for: c)
        let (permuted, set) = try AlignmentFixtures.randomlyPermuted(c, spec: spec, seed: 9)
        let (p0, p1) = (set["P_0"]!.indices, set["P_1"]!.indices)
        let w = c["fc2.weight"]!.floats(), pw = permuted["fc2.weight"]!.floats()
        for i in 0..<4 {
            for j in 0..<5 { #expect(pw[i * 5 + j] == w[p1[i] * 5 + p0[j]]) }
        }
        #expect(permuted["fc2.bias"]!.floats() == p1.map { c["fc2.bias"]!.floats()[$0] })
        #expect(permuted["fc3.bias"] == c["fc3.bias"])
        #expect(permuted["fc1.weight"]!.dtype == dtype)
        let restored = try spec.apply(set.inverse, to: permuted)
        #expect(restored == c)
        for name in c.names { #expect(restored[name]!.bytes == c[name]!.bytes) }
    }

    @Test(arguments: [DType.u8, .i64, .f8e4m3, .bool])
    func applyWorksOnAnyDtypeByBytes(dtype: DType) throws {
        // Hand-built bytes: element (r, c) of a [3, 2] tensor has every byte equal to 10·r + c.
        let size = dtype.size
        var bytes: [UInt8] = []
        for r in 0..<3 { for c in 0..<2 { bytes += [UInt8](repeating: UInt8(10 * r + c), count: size) } }
        var checkpoint = Checkpoint()
        checkpoint["t"] = Tensor(dtype: dtype, shape: [3, 2], bytes: bytes)
        checkpoint["head"] = Tensor(dtype: dtype, shape: [1, 3], bytes: [UInt8](repeating: 0, count: 3 * size))
        let spec = try PermutationSpec(axes: ["t": [AP("P"), nil], "head": [nil, AP("P")]],
                                       inputAxes: [.init("t", 1)], outputAxes: [.init("head", 0)])
        let set = PermutationSet(["P": try Permutation([2, 0, 1])])
        let out = try spec.apply(set, to: checkpoint)
        var expected: [UInt8] = []
        for r in [2, 0, 1] { for c in 0..<2 { expected += [UInt8](repeating: UInt8(10 * r + c), count: size) } }
        #expect(out["t"]!.bytes == expected)
        #expect(out["t"]!.dtype == dtype)
        #expect(try spec.apply(set.inverse, to: out) == checkpoint)
    }

    @Test func groupedAxisMovesWholeChannelBlocks() throws {
        let c = AlignmentFixtures.vgg(seed: 10)
        let spec = try PermutationSpec.builtin(for: c)
        let (permuted, set) = try AlignmentFixtures.randomlyPermuted(c, spec: spec, seed: 11)
        let (pc, ph) = (set["P_features.3"]!.indices, set["P_classifier.0"]!.indices)
        let w = c["classifier.0.weight"]!.floats(), pw = permuted["classifier.0.weight"]!.floats()
        for i in 0..<5 {
            for channel in 0..<6 {
                for hw in 0..<4 {
                    #expect(pw[i * 24 + channel * 4 + hw] == w[ph[i] * 24 + pc[channel] * 4 + hw])
                }
            }
        }
        #expect(try spec.apply(set.inverse, to: permuted) == c)
    }

    @Test func permutationInverseAndComposition() throws {
        let p = try Permutation([3, 0, 2, 1])
        #expect(p.inverse.indices == [1, 3, 2, 0])
        #expect(p.then(p.inverse).isIdentity && p.inverse.then(p).isIdentity)
        #expect(throws: MgitError.self) { try Permutation([0, 2]) }
    }

    /// A ReLU MLP forward pass, naive loops: `x` is `[batch, inputs]`.
    static func forward(_ c: Checkpoint, layers: Int, x: [Float], batch: Int) -> [Float] {
        var h = x
        for k in 1...layers {
            let w = c["fc\(k).weight"]!, b = c["fc\(k).bias"]!.floats()
            let (out, inp) = (w.shape[0], w.shape[1])
            let wf = w.floats()
            var next = [Float](repeating: 0, count: batch * out)
            for s in 0..<batch {
                for o in 0..<out {
                    var acc = b[o]
                    for i in 0..<inp { acc += wf[o * inp + i] * h[s * inp + i] }
                    next[s * out + o] = k == layers ? acc : max(0, acc)
                }
            }
            h = next
        }
        return h
    }

    @Test func permutedMLPComputesTheSameFunction() throws {
        let c = AlignmentFixtures.mlp([12, 16, 16, 16, 5], seed: 12)
        let spec = try PermutationSpec.builtin(for: c)
        let (permuted, set) = try AlignmentFixtures.randomlyPermuted(c, spec: spec, seed: 13)
        #expect(!set["P_1"]!.isIdentity)
        var g = SeededGenerator(seed: 14)
        let x = (0..<8 * 12).map { _ in Float(g.nextGaussian()) }
        let y0 = Self.forward(c, layers: 4, x: x, batch: 8)
        let y1 = Self.forward(permuted, layers: 4, x: x, batch: 8)
        let scale = y0.map(abs).max()!
        for (u, v) in zip(y0, y1) { #expect(abs(u - v) <= 1e-5 * scale) }
        // And the hidden units really moved: the first layer's output differs.
        #expect(permuted["fc1.weight"] != c["fc1.weight"])
    }
}
