import ArgumentParser
import Foundation
import ModelRepo

/// `mgit-bench folder`: a Llama-shaped bf16 model folder of about 4 GiB through commit, re-commit, export,
/// push and clone, beside plain git (docs/PERFORMANCE.md, "Model folders").
struct FolderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folder",
        abstract: "Commit, re-commit, export, push and clone a generated ~4 GiB Llama-shaped bf16 folder; plain git beside it.",
        discussion: """
            Generates config.json, tokenizer.json and two bf16 shards with model.safetensors.index.json
            (vocabulary 32000, hidden 2560, MLP 6912, --layers layers: embedding and LM head 164 MB each).
            Steps, each a separate process measured for seconds and peak RSS: mgit commit; the same folder
            with two layers changed committed again; mgit export to a folder; mgit push to a local bare
            repository; mgit clone of it; then plain 'git add && git commit' and 'git push' of the folder.
            Needs about 8× the folder's size on disk. Build first: swift build -c release.
            """)

    @Option(help: "Decoder layers (25 give about 4 GiB).")
    var layers = 25

    @Option(help: "Where to work (default: a temporary folder, removed afterwards).")
    var workdir: String?

    @Flag(help: "Skip the plain git comparison.")
    var skipGit = false

    static let vocab = 32_000, hidden = 2_560, mlp = 6_912

    /// The tensors of one layer, in save_pretrained's order, with their shapes.
    static func layerTensors(_ i: Int) -> [(String, [Int])] {
        let p = "model.layers.\(i)."
        return [(p + "input_layernorm.weight", [hidden]), (p + "mlp.down_proj.weight", [hidden, mlp]),
                (p + "mlp.gate_proj.weight", [mlp, hidden]), (p + "mlp.up_proj.weight", [mlp, hidden]),
                (p + "post_attention_layernorm.weight", [hidden]),
                (p + "self_attn.k_proj.weight", [hidden, hidden]), (p + "self_attn.o_proj.weight", [hidden, hidden]),
                (p + "self_attn.q_proj.weight", [hidden, hidden]), (p + "self_attn.v_proj.weight", [hidden, hidden])]
    }

    /// Writes one shard of random bf16 values (a tensor's values depend on its name and `salt`).
    static func writeShard(_ path: String, _ tensors: [(String, [Int])], salt: (String) -> UInt64) throws {
        let entries = tensors.map { TensorEntry(name: $0.0, dtype: .bf16, shape: $0.1) }
        let writer = try SafeTensorsWriter(path: path, entries: entries, metadata: ["format": "pt"])
        var buffer = [UInt8](repeating: 0, count: 8 << 20)
        for entry in entries {
            var state = 0x9E37_79B9_7F4A_7C15 &* UInt64(entry.name.utf8.reduce(7) { $0 &* 31 &+ Int($1) } & 0xFFFF_FFFF) &+ salt(entry.name) | 1
            var left = entry.byteCount
            while left > 0 {
                let n = min(left, buffer.count)
                buffer.withUnsafeMutableBytes { raw in
                    for i in 0..<(n / 8) {
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17
                        // Four bf16 values in [-0.0625, 0.0625): sign, exponent 0x3D, random mantissa.
                        let r = state & 0x807F_807F_807F_807F | 0x3D00_3D00_3D00_3D00
                        raw.storeBytes(of: r, toByteOffset: 8 * i, as: UInt64.self)
                    }
                }
                try buffer.withUnsafeBytes { try writer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                left -= n
            }
        }
        try writer.finish()
    }

    func run() throws {
        let fm = FileManager.default
        let dir = workdir ?? fm.temporaryDirectory.appendingPathComponent("mgit-bench-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? fm.removeItem(atPath: dir) } }
        let mgit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mgit").path
        guard fm.isExecutableFile(atPath: mgit) else { throw BenchError("build mgit first: \(mgit) is missing") }
        let git = "/usr/bin/git"

        // The folder: shard 1 holds the embedding and the first half of the layers, shard 2 the rest and the head.
        let folder = dir + "/model"
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let half = layers / 2
        let shard1 = [("model.embed_tokens.weight", [Self.vocab, Self.hidden])] + (0..<half).flatMap(Self.layerTensors)
        let shard2 = (half..<layers).flatMap(Self.layerTensors) + [("model.norm.weight", [Self.hidden]),
                                                                  ("lm_head.weight", [Self.vocab, Self.hidden])]
        let names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        print("writing a \(layers)-layer bf16 folder in \(dir) ...")
        try Self.writeShard(folder + "/" + names[0], shard1) { _ in 0 }
        try Self.writeShard(folder + "/" + names[1], shard2) { _ in 0 }
        var weightMap: [String: String] = [:]
        for (name, _) in shard1 { weightMap[name] = names[0] }
        for (name, _) in shard2 { weightMap[name] = names[1] }
        let total = (shard1 + shard2).reduce(0) { $0 + $1.1.reduce(2, *) }
        let index: [String: Any] = ["metadata": ["total_size": total], "weight_map": weightMap]
        try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        let config = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": \(Self.hidden), "intermediate_size": \(Self.mlp), \
            "num_attention_heads": 20, "num_hidden_layers": \(layers), "num_key_value_heads": 20, "torch_dtype": "bfloat16", \
            "vocab_size": \(Self.vocab), "model_type": "llama"}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let vocabulary = (0..<Self.vocab).map { "\"tok\($0)\": \($0)" }.joined(separator: ", ")
        try Data("{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {\(vocabulary)}}}".utf8)
            .write(to: URL(fileURLWithPath: folder + "/tokenizer.json"))
        let folderBytes = BenchCheckpoint.directoryBytes(folder)
        let shard1Bytes = (try fm.attributesOfItem(atPath: folder + "/" + names[0])[.size] as? Int) ?? 0

        var rows: [(String, String, MeasuredProcess, Int, Int?)] = []
        func step(_ tool: String, _ what: String, _ arguments: [String], in where_: String, bytes: Int,
                  store: String? = nil) throws {
            let before = store.map(BenchCheckpoint.directoryBytes)
            let p = try MeasuredProcess.run(arguments, in: where_)
            guard p.status == 0 else { throw BenchError("\(what) failed: \(arguments.joined(separator: " "))") }
            let added = store.map { BenchCheckpoint.directoryBytes($0) - (before ?? 0) }
            rows.append((tool, what, p, bytes, added))
            print(String(format: "  %@ %@: %.1f s, peak RSS %.0f MB", tool, what, p.seconds, Double(p.peakBytes) / 1e6))
            fflush(nil)  // every stream: progress shows even when the output goes to a file
        }

        let repo = dir + "/repo"
        _ = try MeasuredProcess.run([mgit, "init", repo], in: dir)
        try step("mgit", "commit", [mgit, "commit", folder, "-m", "base"], in: repo, bytes: folderBytes,
                 store: repo + "/.git/objects")
        // Two layers of shard 1 changed, as a fine-tune of two blocks would.
        let changed = Set(Self.layerTensors(1).map(\.0) + Self.layerTensors(2).map(\.0))
        try Self.writeShard(folder + "/" + names[0], shard1) { changed.contains($0) ? 99 : 0 }
        let changedBytes = shard1.filter { changed.contains($0.0) }.reduce(0) { $0 + $1.1.reduce(2, *) }
        try step("mgit", "re-commit (2 layers)", [mgit, "commit", folder, "-m", "two layers"], in: repo,
                 bytes: folderBytes, store: repo + "/.git/objects")
        try step("mgit", "export to folder", [mgit, "export", "HEAD", "-o", dir + "/exported"], in: repo, bytes: folderBytes)
        let bare = dir + "/remote.git"
        _ = try MeasuredProcess.run([git, "init", "-q", "--bare", "-b", "main", bare], in: dir)
        _ = try MeasuredProcess.run([mgit, "remote", "add", "origin", bare], in: repo)
        try step("mgit", "push (local bare)", [mgit, "push", "origin", "main"], in: repo, bytes: folderBytes,
                 store: bare + "/objects")
        try step("mgit", "clone", [mgit, "clone", bare, dir + "/clone"], in: dir, bytes: folderBytes)
        let same = fm.contentsEqual(atPath: folder + "/" + names[0], andPath: dir + "/exported/" + names[0])
            && fm.contentsEqual(atPath: folder + "/config.json", andPath: dir + "/exported/config.json")
        if !skipGit {
            let plain = dir + "/plain"
            _ = try MeasuredProcess.run([git, "init", "-q", "-b", "main", plain], in: dir)
            for file in try fm.contentsOfDirectory(atPath: folder) {
                try fm.linkItem(atPath: folder + "/" + file, toPath: plain + "/" + file)
            }
            try step("git", "add", [git, "add", "-A"], in: plain, bytes: folderBytes, store: plain + "/.git/objects")
            try step("git", "commit", [git, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "x"],
                     in: plain, bytes: folderBytes)
            let plainBare = dir + "/plain-remote.git"
            _ = try MeasuredProcess.run([git, "init", "-q", "--bare", "-b", "main", plainBare], in: dir)
            try step("git", "push (local bare)", [git, "push", "-q", plainBare, "main"], in: plain, bytes: folderBytes,
                     store: plainBare + "/objects")
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"

        print("")
        print(String(format: "folder: %.2f GB (%d layers), shard 1 %.2f GB; load average at the end: %@", Double(folderBytes) / 1e9,
                     layers, Double(shard1Bytes) / 1e9, load))
        print("tool  step                      seconds     MB/s   peak RSS      added")
        for (tool, what, p, bytes, added) in rows {
            print(String(format: "%@ %@ %8.2f %8.1f %7.0f MB %@", tool.padding(toLength: 5, withPad: " ", startingAt: 0),
                         what.padding(toLength: 24, withPad: " ", startingAt: 0), p.seconds, Double(bytes) / p.seconds / 1e6,
                         Double(p.peakBytes) / 1e6, added.map { String(format: "%8.1f MB", Double($0) / 1e6) } ?? ""))
        }
        print(String(format: "changed tensors' bytes: %.1f MB; whole-file storage (as Git LFS) of the re-commit would add "
                     + "shard 1, %.1f MB", Double(changedBytes) / 1e6, Double(shard1Bytes) / 1e6))
        print("exported shard 1 and config.json identical to the folder: \(same ? "yes" : "NO")")
    }
}
