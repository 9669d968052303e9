import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// Whole-model merges: git's three-way rule, dtypes, parameter resolution, refusals.
@Suite struct CheckpointMergeTests {
    private func checkpoint(_ tensors: [(String, [Float], DType)]) -> Checkpoint {
        var c = Checkpoint()
        for (name, values, dtype) in tensors { c[name] = Tensor(shape: [values.count], floats: values, dtype: dtype) }
        return c
    }

    private func recipe(_ method: MergeMethod, _ inputs: Int, _ parameters: [String: ParameterSetting] = [:]) -> MergeRecipe {
        MergeRecipe(method: method, base: "base", inputs: (0..<inputs).map { .init(model: "in\($0)") }, parameters: parameters)
    }

    @Test func oneSidedChangesAreTakenByteForByteAndOnlyConflictsAreMerged() throws {
        let base = checkpoint([("a", [1, 2, 3], .f32), ("b", [0.1, 0.2, 0.3], .bf16), ("c", [5, 5, 5], .f32), ("same", [9], .f32)])
        var left = base, right = base, third = base
        left["a"] = Tensor(shape: [3], floats: [1, 2, 4], dtype: .f32)          // a: one side
        right["b"] = Tensor(shape: [3], floats: [0.5, 0.7, -0.3], dtype: .bf16) // b: one side (bf16 bytes kept)
        left["c"] = Tensor(shape: [3], floats: [6, 5, 3], dtype: .f32)          // c: three sides, two alike
        right["c"] = Tensor(shape: [3], floats: [4, 8, 5], dtype: .f32)
        third["c"] = Tensor(shape: [3], floats: [6, 5, 3], dtype: .f32)
        third["a"] = Tensor(shape: [3], floats: [1, 2, 4], dtype: .f32)          // a again: the same change twice

        let merge = CheckpointMerge(recipe: recipe(.taskArithmetic, 3, ["weight": .number(0.5)]))
        let (out, report) = try merge.merge(base: base, inputs: [left, right, third])
        #expect(out.names == base.names)
        #expect(out["a"] == left["a"])
        #expect(out["b"] == right["b"])
        #expect(out["same"] == base["same"])
        // c: base + 0.5·(τ_left + τ_right + τ_third) = 5 + 0.5·([1, 0, −2] + [−1, 3, 0] + [1, 0, −2]).
        #expect(out["c"]!.floats() == [5.5, 6.5, 3])
        #expect(report.unchanged == 1)
        #expect(report.takenFromOneSide.map(\.tensor) == ["a", "b"])
        #expect(report.takenFromOneSide.map(\.from) == ["in0", "in1"])
        #expect(report.takenFromOneSide[0].sides == 2)
        #expect(report.merged.map(\.tensor) == ["c"])
        #expect(report.merged[0].sides == 3)

        // mergekit's behaviour (no three-way rule): every tensor goes through the method.
        let (plain, plainReport) = try CheckpointMerge(recipe: recipe(.taskArithmetic, 3, ["weight": .number(0.5)]), threeWay: false)
            .merge(base: base, inputs: [left, right, third])
        #expect(plain["a"]!.floats() == [1, 2, 4])  // 3 + 0.5·(1 + 0 + 1)
        #expect(plainReport.merged.count == 4)
    }

    @Test func bf16IsMergedInFloatAndRoundedToNearestEven() throws {
        // 1 + 2^-8 is halfway between the bfloat16 values 1 and 1 + 2^-7: nearest even is 1.
        let base = checkpoint([("w", [1, 1], .bf16)])
        let a = checkpoint([("w", [1 + 0x1p-7, 1], .bf16)]), b = checkpoint([("w", [1, 1 + 0x1p-6], .bf16)])
        let (out, _) = try CheckpointMerge(recipe: recipe(.linear, 2)).merge(base: base, inputs: [a, b])
        // (a + b)/2 = [1 + 2^-8, 1 + 2^-7]: the first rounds to even (1), the second is exact.
        #expect(out["w"]!.dtype == .bf16)
        #expect(out["w"]!.bytes == [0x80, 0x3F, 0x81, 0x3F])
    }

    @Test func outputDTypeComesFromTheRecipe() throws {
        let base = checkpoint([("w", [1, 2], .f32)]), a = checkpoint([("w", [2, 2], .f32)]), b = checkpoint([("w", [1, 4], .f32)])
        var r = recipe(.taskArithmetic, 2)
        r.outputDType = .f16
        let (out, _) = try CheckpointMerge(recipe: r).merge(base: base, inputs: [a, b])
        #expect(out["w"]!.dtype == .f16 && out["w"]!.floats() == [2, 4])
    }

    @Test func filtersGradientsAndPrecedenceResolveAsMergekit() throws {
        let r = MergeRecipe(
            method: .ties, base: "base",
            inputs: [.init(model: "a", parameters: ["weight": .conditional([.init(filter: "mlp", value: .number(0.2)),
                                                                             .init(filter: nil, value: .number(0.9))])]),
                     .init(model: "b")],
            parameters: ["weight": .number(0.5), "density": .gradient([.number(0), .number(0.5), .number(1)]),
                         "lambda": .conditional([.init(filter: "self_attn", value: .number(2))]), "normalize": .flag(false)])
        let layers = LayerIndex.count(in: ["model.layers.0.x", "model.layers.4.x", "model.norm.weight"])
        #expect(layers == 5)
        let mlp = try r.parameters(forTensor: "model.layers.1.mlp.up_proj.weight", layers: layers)
        #expect(mlp.weights == [0.2, 0.5])
        #expect(mlp.densities == [0.25, 0.25])       // layer 1 of 5: t = 0.25, between 0 and 0.5
        #expect(mlp.lambda == 1 && !mlp.normalize)
        let attention = try r.parameters(forTensor: "model.layers.4.self_attn.q_proj.weight", layers: layers)
        #expect(attention.weights == [0.9, 0.5] && attention.densities == [1, 1] && attention.lambda == 2)
        let head = try r.parameters(forTensor: "lm_head.weight", layers: layers)   // outside the layers: t = 0
        #expect(head.densities == [0, 0])
        #expect(LayerIndex.of("transformer.h.11.attn.c_attn.weight") == 11)
        #expect(LayerIndex.of("encoder.layer.3.output.dense.bias") == 3)

        var bad = r
        bad.parameters["t"] = .number(0.5)
        #expect(throws: MgitError.self) { try bad.validate() }
        var wrongType = r
        wrongType.parameters["lambda"] = .text("big")
        #expect(throws: MgitError.self) { try wrongType.parameters(forTensor: "x", layers: 0) }
    }

    @Test func refusesWhatCannotBeMerged() throws {
        let base = checkpoint([("w", [1, 2], .f32)]), a = checkpoint([("w", [2, 2], .f32)])
        let wide = checkpoint([("w", [1, 2, 3], .f32)]), other = checkpoint([("v", [1, 2], .f32)])
        #expect(throws: MgitError.self) { try CheckpointMerge(recipe: recipe(.ties, 2)).merge(base: nil, inputs: [a, a]) }
        #expect(throws: MgitError.self) { try CheckpointMerge(recipe: recipe(.ties, 2)).merge(base: base, inputs: [a, wide]) }
        #expect(throws: MgitError.self) { try CheckpointMerge(recipe: recipe(.ties, 2)).merge(base: base, inputs: [a, other]) }
        #expect(throws: MgitError.self) { try CheckpointMerge(recipe: recipe(.modelStock, 1)).merge(base: base, inputs: [a]) }
        // Integer tensors changed differently on two sides cannot be averaged.
        var ib = Checkpoint(), i1 = Checkpoint(), i2 = Checkpoint()
        ib["step"] = Tensor(dtype: .i64, shape: [], bytes: [0, 0, 0, 0, 0, 0, 0, 0])
        i1["step"] = Tensor(dtype: .i64, shape: [], bytes: [1, 0, 0, 0, 0, 0, 0, 0])
        i2["step"] = Tensor(dtype: .i64, shape: [], bytes: [2, 0, 0, 0, 0, 0, 0, 0])
        do {
            _ = try CheckpointMerge(recipe: recipe(.taskArithmetic, 2)).merge(base: ib, inputs: [i1, i2])
            Issue.record("integer conflict merged")
        } catch let error as MgitError {
            #expect(error.code == .mismatch && error.message.contains("step"))
        }
        // ...but changed on one side only it is taken.
        let (out, _) = try CheckpointMerge(recipe: recipe(.taskArithmetic, 2)).merge(base: ib, inputs: [i1, ib])
        #expect(out["step"] == i1["step"])
    }

    @Test func streamsFilesToAFileWithTheSameResult() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-methods-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var generator = SeededGenerator(seed: 9)
        func model(_ shift: Float) -> Checkpoint {
            checkpoint([("model.layers.0.w", (0..<64).map { _ in Float(generator.nextIndex(below: 1000)) / 500 - 1 + shift }, .f32),
                        ("model.layers.1.w", (0..<32).map { _ in Float(generator.nextIndex(below: 1000)) / 500 - 1 }, .bf16)])
        }
        let models = [model(0), model(0.1), model(-0.1)]
        let paths = (0..<3).map { "\(dir)/m\($0).safetensors" }
        for (m, p) in zip(models, paths) { try SafeTensors.write(m, to: p) }
        let r = MergeRecipe(method: .dareTies, base: "m0", inputs: [.init(model: "m1"), .init(model: "m2")],
                            parameters: ["density": .number(0.5), "weight": .number(0.5)], seed: 1234)
        let merge = CheckpointMerge(recipe: r)
        let report = try merge.merge(basePath: paths[0], inputPaths: Array(paths[1...]), to: "\(dir)/out.safetensors")
        let (inMemory, memoryReport) = try merge.merge(base: models[0], inputs: Array(models[1...]))
        let fromFile = try SafeTensorsReader(path: "\(dir)/out.safetensors").checkpoint()
        #expect(fromFile == inMemory)
        #expect(report.merged.count == 2 && report.merged.map(\.parameters) == memoryReport.merged.map(\.parameters))
        #expect(report.merged.allSatisfy { ($0.signConflicts ?? -1) >= 0 })
        // Another seed drops other entries.
        var reseeded = r
        reseeded.seed = 1235
        let (other, _) = try CheckpointMerge(recipe: reseeded).merge(base: models[0], inputs: Array(models[1...]))
        #expect(other != inMemory)
    }
}
