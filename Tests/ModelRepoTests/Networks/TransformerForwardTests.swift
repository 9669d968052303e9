import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// The transformer forward passes against plain Double loops (NaiveTransformer) and against the Python
/// `transformers` package on tiny random models it wrote (TransformerPeer).
@Suite struct TransformerForwardTests {
    static let families: [(String, TransformerConfig)] = [
        ("bert", TransformerFixtures.config(.bert, lmHead: false)),
        ("bert-mlm", TransformerFixtures.config(.bert, lmHead: true)),
        ("gpt2", TransformerFixtures.config(.gpt2)),
        ("llama-gqa-untied", TransformerFixtures.config(.llama, heads: 4, kvHeads: 2, tied: false)),
        ("llama-tied-bias-wide-heads", TransformerFixtures.config(.llama, heads: 2, kvHeads: 1, headDim: 6, tied: true, bias: true)),
    ]

    @Test(arguments: 0..<5)
    func matchesNaiveLoops(_ index: Int) throws {
        let (name, config) = Self.families[index]
        let checkpoint = TransformerFixtures.checkpoint(config, seed: UInt64(index + 1))
        let tokens = TransformerFixtures.tokens(batch: 2, length: 5, vocab: config.vocabSize, seed: 9,
                                                types: config.typeVocabSize)
        let output = try TransformerNetwork(config: config, checkpoint: checkpoint).forward(tokens)
        let naive = NaiveTransformer(c: config, checkpoint: checkpoint)
        var hidden: [Double] = [], logits: [Double] = []
        for s in 0..<2 {
            let one = tokens.sequences(s..<(s + 1))
            let r = naive.run(one.ids, types: one.tokenTypes)
            hidden += r.hidden.flatMap { $0 }
            logits += r.logits.flatMap { $0 }
        }
        #expect(output.hidden.rows == 10 && output.hidden.columns == config.hiddenSize, "\(name)")
        #expect(NaiveReference.relativeError(output.hidden.values, hidden) < 1e-5, "\(name) hidden")
        if config.hasLMHead {
            #expect(output.logits?.columns == config.vocabSize)
            #expect(NaiveReference.relativeError(output.logits?.values ?? [], logits) < 1e-5, "\(name) logits")
        } else {
            #expect(output.logits == nil)
        }
    }

    static let peerModels = ["bert", "bert-mlm", "gpt2", "llama-gqa", "llama-tied"]

    /// Detection from the config.json `transformers` wrote, and outputs within 1e-4 (relative to the largest).
    /// The gpt2 model is stored in BF16 (widened at load); its reference ran in f32 on the same rounded weights.
    @Test(arguments: peerModels)
    func matchesTransformers(_ name: String) throws {
        guard let root = TransformerPeer.folder else {
            print("skipped: \(TransformerPeer.skipReason)")
            return
        }
        let folder = root + "/" + name
        let checkpoint = try SafeTensors.read(path: folder + "/model.safetensors")
        let config = try TransformerConfig.detect(configAt: folder + "/config.json", checkpoint: checkpoint)
        let reference = try SafeTensors.read(path: folder + "/reference.safetensors")
        func integers(_ key: String) -> [Int]? { reference[key].map { $0.doubles().map { Int($0) } } }
        let ids = try #require(integers("input_ids"))
        let tokens = TokenBatch(batch: 3, length: 7, ids: ids, tokenTypes: integers("token_type_ids"))
        let output = try TransformerNetwork(config: config, checkpoint: checkpoint).forward(tokens)
        let hidden = try #require(reference["hidden"]).doubles()
        #expect(NaiveReference.relativeError(output.hidden.values, hidden) < 1e-4, "\(name) hidden")
        if let logits = reference["logits"] {
            #expect(NaiveReference.relativeError(output.logits?.values ?? [], logits.doubles()) < 1e-4, "\(name) logits")
        }
        if let loss = reference["loss"]?.doubles().first, let logits = reference["logits"]?.doubles() {
            // The loss transformers reports for labels = input_ids, and accuracy counted from its logits.
            let network = try TransformerNetwork(config: config, checkpoint: checkpoint)
            let evaluation = try network.nextTokenEvaluation(tokens, batch: 2)
            #expect(evaluation.count == 3 * 6)
            #expect(abs(evaluation.loss - loss) < 1e-4 * max(1, loss), "\(name): \(evaluation.loss) vs \(loss)")
            var right = 0
            for s in 0..<3 {
                for t in 0..<6 {
                    let row = Array(logits[((s * 7 + t) * config.vocabSize)..<((s * 7 + t + 1) * config.vocabSize)])
                    if row.firstIndex(of: row.max()!) == ids[s * 7 + t + 1] { right += 1 }
                }
            }
            #expect(evaluation.accuracy == Double(right) / 18, "\(name)")
        }
        switch name {
        case "gpt2": #expect(checkpoint.namedTensors.allSatisfy { $0.tensor.dtype == .bf16 })
        case "llama-gqa": #expect(config.kvHeads == 2 && config.heads == 4 && !config.tieWordEmbeddings && config.ropeTheta == 500)
        case "llama-tied": #expect(config.tieWordEmbeddings && config.headDim == 16 && config.attentionBias)
        case "bert-mlm": #expect(config.prefix == "bert." && config.hasLMHead)
        default: #expect(config.family == .bert && !config.hasLMHead)
        }
    }

    @Test func causalDecodersIgnoreLaterTokens() throws {
        let config = TransformerFixtures.config(.llama, heads: 4, kvHeads: 2)
        let network = try TransformerNetwork(config: config, checkpoint: TransformerFixtures.checkpoint(config, seed: 4))
        let long = TransformerFixtures.tokens(batch: 1, length: 6, vocab: config.vocabSize, seed: 2)
        let short = TokenBatch(batch: 1, length: 3, ids: Array(long.ids[0..<3]))
        let a = try network.forward(long).logits!, b = try network.forward(short).logits!
        #expect(NaiveReference.relativeError(Array(a.values[0..<(3 * config.vocabSize)]), b.values.map(Double.init)) < 1e-6)
    }

    @Test func tokenFilesAreReadAndValidated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-tokens-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var data = Checkpoint()
        data["input_ids"] = Tensor(dtype: .i64, shape: [2, 3], bytes: [5, 0, 7, 1, 2, 3].flatMap {
            withUnsafeBytes(of: Int64($0).littleEndian, Array.init)
        })
        try SafeTensors.write(data, to: folder + "/t.safetensors")
        #expect(try TokenBatch.read(path: folder + "/t.safetensors") == TokenBatch(batch: 2, length: 3, ids: [5, 0, 7, 1, 2, 3]))
        data["input_ids"] = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        try SafeTensors.write(data, to: folder + "/f.safetensors")
        #expect(mgitError { _ = try TokenBatch.read(path: folder + "/f.safetensors") }?.message.contains("integer type") == true)
        let config = TransformerFixtures.config(.bert, lmHead: true)
        let encoder = try TransformerNetwork(config: config, checkpoint: TransformerFixtures.checkpoint(config, seed: 1))
        #expect(mgitError { _ = try encoder.nextTokenEvaluation(TokenBatch(batch: 1, length: 3, ids: [1, 2, 3])) }?
            .message.contains("is an encoder") == true)
    }

    @Test func outOfRangeTokensAndLongSequencesAreRefused() throws {
        let config = TransformerFixtures.config(.gpt2)
        let network = try TransformerNetwork(config: config, checkpoint: TransformerFixtures.checkpoint(config, seed: 4))
        let bad = mgitError { _ = try network.forward(TokenBatch(batch: 1, length: 2, ids: [0, 23])) }
        #expect(bad?.code == .invalidInput && bad?.message.contains("token id 23") == true)
        let long = mgitError { _ = try network.forward(TokenBatch(batch: 1, length: 13, ids: Array(repeating: 1, count: 13))) }
        #expect(long?.message.contains("longer than the 12 positions") == true)
        var broken = TransformerFixtures.checkpoint(config, seed: 4)
        broken["transformer.h.1.mlp.c_fc.weight"] = nil
        let missing = mgitError { _ = try TransformerNetwork(config: config, checkpoint: broken) }
        #expect(missing?.code == .mismatch && missing?.message.contains("'transformer.h.1.mlp.c_fc.weight'") == true)
    }
}
