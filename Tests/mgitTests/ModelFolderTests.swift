import Foundation
import ModelRepo
import Testing

/// Hugging Face model folders: commit a folder, export it back byte for byte or re-sharded, list and diff its
/// other files; and a folder written by `transformers` loads again with the same outputs.
@Suite struct ModelFolderTests {
    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func files(in folder: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: folder)?.allObjects ?? [] {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder), !isFolder.boolValue {
                out[path] = FileManager.default.contents(atPath: folder + "/" + path)
            }
        }
        return out
    }

    /// A two-shard folder made with mgit's own writer and a hand-written index, plus the usual other files.
    static func makeFolder(_ folder: String, vocab: Int = 300) throws -> [String: Data] {
        var first = Checkpoint(metadata: ["format": "pt"])
        first["model.embed_tokens.weight"] = Tensor(dtype: .bf16, shape: [vocab, 16],
                                                    bytes: LargeTensorTests.randomBytes(vocab * 32, seed: 1))
        var second = Checkpoint(metadata: ["format": "pt"])
        second["model.norm.weight"] = Tensor(shape: [16], floats: (0..<16).map { Float($0) / 4 }, dtype: .bf16)
        second["lm_head.weight"] = Tensor(dtype: .bf16, shape: [vocab, 16], bytes: LargeTensorTests.randomBytes(vocab * 32, seed: 2))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try SafeTensors.write(first, to: folder + "/model-00001-of-00002.safetensors")
        try SafeTensors.write(second, to: folder + "/model-00002-of-00002.safetensors")
        try write("""
            {"metadata": {"total_size": \(vocab * 64 + 32)}, "weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors", \
            "model.norm.weight": "model-00002-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}
            """, folder + "/model.safetensors.index.json")
        try write("{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"hidden_size\": 16,\n  \"vocab_size\": \(vocab)\n}\n",
                  folder + "/config.json")
        try write("{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}", folder + "/tokenizer.json")
        try write("# A tiny model\n", folder + "/README.md")
        try write("a\nb\n", folder + "/tokenizer/vocab.txt")
        return files(in: folder)
    }

    @Test func aFolderCommitsAndExportsByteForByteReshardsAndDiffsItsConfig() throws {
        let box = try Sandbox()
        let folder = box.dir.file("model")
        let original = try Self.makeFolder(folder)
        // Left out by .mgitignore: a checkpoint in another format and a cache folder.
        try Self.write("*.bin\ncache/\n", folder + "/.mgitignore")
        try Data(count: 4096).write(to: URL(fileURLWithPath: folder + "/optimizer.bin"))
        try Self.write("x", folder + "/cache/lock")

        let commit = try box.mgit("commit", folder, "-m", "folder")
        #expect(commit.status == 0, "\(commit.stderr)")
        let show = try box.mgit("show", "HEAD").stdout
        for line in ["Files:", "  config.json  ", "  tokenizer/vocab.txt  ", "  model.safetensors.index.json  "] {
            #expect(show.contains(line), "\(show)")
        }
        #expect(!show.contains("optimizer.bin") && !show.contains("cache/lock"))
        #expect(try box.git("fsck", "--strict").status == 0)

        // As committed: every file back, byte for byte, and nothing else (the ignored files stay out).
        let out = box.dir.file("out")
        let export = try box.mgit("export", "HEAD", "-o", out)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(Self.files(in: out) == original.merging([".mgitignore": Data("*.bin\ncache/\n".utf8)]) { a, _ in a })

        // Re-sharded: shards of at most 12 kB, a new index whose weight_map and total_size describe them.
        let resharded = box.dir.file("resharded")
        #expect(try box.mgit("export", "HEAD", "-o", resharded, "--max-shard-size", "12kB").status == 0)
        let indexData = try #require(FileManager.default.contents(atPath: resharded + "/model.safetensors.index.json"))
        let index = try #require(try JSONSerialization.jsonObject(with: indexData) as? [String: Any])
        #expect((index["metadata"] as? [String: Any])?["total_size"] as? Int == 300 * 64 + 32)
        let weightMap = try #require(index["weight_map"] as? [String: String])
        #expect(Set(weightMap.values) == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(weightMap["model.embed_tokens.weight"] == "model-00001-of-00002.safetensors")
        let back = try SafeTensors.read(path: resharded + "/model.safetensors.index.json")
        let committed = try SafeTensors.read(path: folder + "/model.safetensors.index.json")
        #expect(back.names.sorted() == committed.names.sorted())
        for name in committed.names { #expect(back[name] == committed[name]) }
        #expect(FileManager.default.contents(atPath: resharded + "/config.json") == original["config.json"])

        // One file still works, and --tensors picks tensors by glob.
        #expect(try box.mgit("export", "HEAD", "--tensors", "lm_head.*", "-o", box.dir.file("head.safetensors")).status == 0)
        #expect(try SafeTensors.read(path: box.dir.file("head.safetensors")).names == ["lm_head.weight"])

        // The library accessor other features use for architecture detection.
        let repo = try Repository.open(at: box.repo)
        #expect(try repo.modelConfig(at: "HEAD").map { Data($0) } == original["config.json"])

        // A new config: diff lists the file with a line diff; show the new size.
        try Self.write("{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"hidden_size\": 16,\n  \"vocab_size\": 301\n}\n",
                       folder + "/config.json")
        #expect(try box.mgit("commit", folder, "-m", "bigger vocab").status == 0)
        let diff = try box.mgit("diff", "HEAD~1", "HEAD")
        #expect(diff.stdout.contains("changed   file config.json"), "\(diff.stdout)")
        // What `diff -u` prints for the same two texts.
        #expect(diff.stdout.contains("@@ -1,5 +1,5 @@\n {\n   \"architectures\": [\"LlamaForCausalLM\"],\n   \"hidden_size\": 16,\n"
                                     + "-  \"vocab_size\": 300\n+  \"vocab_size\": 301\n }\n"), "\(diff.stdout)")
        #expect(diff.stdout.contains("0 changed, 0 added, 0 removed, 3 unchanged"))
    }

    @Test func aLargeNonTensorFileIsRefusedWithAWayOut() throws {
        let box = try Sandbox()
        let folder = box.dir.file("model")
        _ = try Self.makeFolder(folder, vocab: 8)
        try Data(count: 3000).write(to: URL(fileURLWithPath: folder + "/training_args.pt"))
        #expect(try box.mgit("config", "commit.maxFileSize", "2KiB").status == 0)
        let before = try box.state()
        let refused = try box.mgit("commit", folder, "-m", "x")
        #expect(refused.status != 0)
        #expect(refused.stderr == "error: file '\(folder)/training_args.pt' is 3000 bytes, over the 2048-byte limit for "
                + "files that are not safetensors; list it in \(folder)/.mgitignore to leave it out, or raise the limit "
                + "with 'mgit config commit.maxFileSize SIZE'\n")
        #expect(try box.state() == before)
        try Self.write("training_args.pt\n", folder + "/.mgitignore")
        #expect(try box.mgit("commit", folder, "-m", "x").status == 0)
    }

    @Test func aFolderWrittenByTransformersLoadsBackWithIdenticalTensorsAndOutputs() throws {
        let box = try Sandbox()
        let folder = box.dir.file("llama")
        let make = """
            import sys
            try:
                import torch
                from transformers import LlamaConfig, LlamaForCausalLM
            except Exception as error:
                print("SKIP", error); sys.exit(0)
            torch.manual_seed(0)
            config = LlamaConfig(vocab_size=1000, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
            model = LlamaForCausalLM(config).to(torch.bfloat16).eval()
            model.save_pretrained(sys.argv[1], max_shard_size="200KB", safe_serialization=True)
            open(sys.argv[1] + "/README.md", "w").write("# tiny random Llama\\n")
            """
        let made = try MgitProcess.run("/usr/bin/env", ["python3", "-c", make, folder], in: box.dir.path)
        if made.stdout.hasPrefix("SKIP") || made.status == 127 {
            print("ModelFolderTests: transformers cannot be imported (\(made.stdout.trimmingCharacters(in: .newlines))); "
                  + "the transformers round trip is skipped, the safetensors folder tests still run")
            return
        }
        #expect(made.status == 0, "\(made.stderr)")
        let original = Self.files(in: folder)
        #expect(original.keys.filter { $0.hasSuffix(".safetensors") }.count >= 2)

        #expect(try box.mgit("commit", folder, "-m", "tiny llama").status == 0)
        let out = box.dir.file("out"), resharded = box.dir.file("resharded")
        #expect(try box.mgit("export", "HEAD", "-o", out).status == 0)
        #expect(Self.files(in: out) == original)
        #expect(try box.mgit("export", "HEAD", "-o", resharded, "--max-shard-size", "300KB").status == 0)

        // transformers loads all three folders; tensors and logits on a fixed input must be identical.
        let check = """
            import sys, torch
            from transformers import AutoModelForCausalLM
            models = [AutoModelForCausalLM.from_pretrained(p, torch_dtype=torch.bfloat16).eval() for p in sys.argv[1:]]
            ids = torch.tensor([[1, 5, 42, 7, 999, 3]])
            with torch.no_grad():
                logits = [m(ids).logits for m in models]
            states = [m.state_dict() for m in models]
            for other, out in zip(states[1:], logits[1:]):
                assert other.keys() == states[0].keys()
                for k in states[0]:
                    assert torch.equal(states[0][k].view(torch.int16), other[k].view(torch.int16)), k
                assert torch.equal(out, logits[0])
            print("identical", len(states[0]), tuple(logits[0].shape))
            """
        let checked = try MgitProcess.run("/usr/bin/env", ["python3", "-c", check, folder, out, resharded], in: box.dir.path)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout == "identical 21 (1, 6, 1000)\n", "\(checked.stdout)")
    }
}
