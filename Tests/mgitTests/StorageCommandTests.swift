import Foundation
import ModelRepo
import Testing

/// End-to-end: the built `mgit` against real repositories, checked with plain git afterwards.
@Suite struct StorageCommandTests {
    @Test func initMakesGitAndMgitAndRefusesToRunTwice() throws {
        let box = try Sandbox()
        #expect(FileManager.default.fileExists(atPath: box.repo + "/.git/HEAD"))
        #expect(FileManager.default.fileExists(atPath: box.repo + "/.mgit/lineage.sqlite"))
        #expect(FileManager.default.fileExists(atPath: box.repo + "/.mgit/hooks"))
        #expect(try box.git("symbolic-ref", "HEAD").stdout == "refs/heads/main\n")
        let before = try box.state()
        let again = try box.mgit("init", "repo", in: box.dir.path)
        #expect(again.status != 0)
        #expect(again.stderr.hasPrefix("error: ") && again.stderr.contains("already"))
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(try box.state() == before)
    }

    @Test func commitThenExportGivesTheSameTensorsAndMetadataAndReexportsIdentically() throws {
        let box = try Sandbox()
        let original = Fixtures.checkpoint()
        try Fixtures.write(original, to: box.dir.file("a.safetensors"))
        let c = try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "first", "--json")
        #expect(c.status == 0, "\(c.stderr)")
        let commit = try #require(try c.json() as? [String: Any])
        #expect(commit["tensors"] as? Int == 6)

        let e1 = try box.mgit("export", "main", "-o", box.dir.file("out1.safetensors"))
        #expect(e1.status == 0, "\(e1.stderr)")
        let exported = try SafeTensors.read(path: box.dir.file("out1.safetensors"))
        #expect(exported == original)

        // export → commit → export is a fixed point, byte for byte.
        #expect(try box.mgit("commit", box.dir.file("out1.safetensors"), "-m", "again", "--branch", "copy").status == 0)
        #expect(try box.mgit("export", "copy", "-o", box.dir.file("out2.safetensors")).status == 0)
        #expect(FileManager.default.contents(atPath: box.dir.file("out1.safetensors"))
                == FileManager.default.contents(atPath: box.dir.file("out2.safetensors")))
        #expect(try box.git("fsck", "--strict").status == 0)
    }

    @Test func aHandWrittenFileInAnotherLayoutExportsTheSameBytesPerTensor() throws {
        // A header with keys out of data order, spaces and no padding: what other writers produce.
        let box = try Sandbox()
        let header = #"{"b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}, "__metadata__": {"k": "v"}, "a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
        bytes += [1, 2, 3, 4, 5, 6, 7, 8]
        bytes += withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { Array($0) }
        bytes += withUnsafeBytes(of: Float(-2).bitPattern.littleEndian) { Array($0) }
        _ = FileManager.default.createFile(atPath: box.dir.file("odd.safetensors"), contents: Data(bytes))
        #expect(try box.mgit("commit", box.dir.file("odd.safetensors"), "-m", "odd").status == 0)
        #expect(try box.mgit("export", "HEAD", "-o", box.dir.file("x.safetensors")).status == 0)
        let back = try SafeTensors.read(path: box.dir.file("x.safetensors"))
        #expect(back.names == ["a", "b"])
        #expect(back["a"]?.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(back["b"]?.floats() == [1.5, -2])
        #expect(back.metadata == ["k": "v"])
    }

    @Test func aSecondCommitStoresOnlyTheChangedTensor() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("a.safetensors"))
        try Fixtures.write(Fixtures.checkpoint(variant: 1), to: box.dir.file("b.safetensors"))
        let first = try #require(try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a", "--json").json() as? [String: Any])
        let second = try #require(try box.mgit("commit", box.dir.file("b.safetensors"), "-m", "b", "--json").json() as? [String: Any])
        #expect(first["reusedTensors"] as? Int == 0)
        #expect(second["reusedTensors"] as? Int == 5)
        #expect(second["bytesAdded"] as? Int == 4 * 16 * 4)

        let diff = try #require(try box.mgit("diff", "HEAD~1", "HEAD", "--json").json() as? [String: Any])
        #expect(diff["changed"] as? Int == 1)
        #expect(diff["unchanged"] as? Int == 5)
        let change = try #require((diff["changes"] as? [[String: Any]])?.first { $0["kind"] as? String == "changed" })
        #expect(change["name"] as? String == "fc2.weight")
        #expect(abs((change["maxAbsDiff"] as? Double ?? 0) - 1) < 1e-6)
        #expect(try box.git("fsck", "--strict").status == 0)
    }

    @Test func diffStatisticsMatchAReferenceComputedInTheTest() throws {
        let box = try Sandbox()
        var a = Checkpoint(), b = Checkpoint()
        a["w"] = Tensor(shape: [4], floats: [1, 2, 3, 4]); b["w"] = Tensor(shape: [4], floats: [1, 2, 3, 6])
        a["gone"] = Tensor(shape: [1], floats: [0]); b["new"] = Tensor(shape: [2], floats: [0, 0])
        try Fixtures.write(a, to: box.dir.file("a.safetensors")); try Fixtures.write(b, to: box.dir.file("b.safetensors"))
        try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a")
        try box.mgit("commit", box.dir.file("b.safetensors"), "-m", "b")
        let diff = try #require(try box.mgit("diff", "HEAD^", "HEAD", "--json").json() as? [String: Any])
        let changes = try #require(diff["changes"] as? [[String: Any]])
        let w = try #require(changes.first { $0["name"] as? String == "w" })
        #expect(abs((w["relativeL2"] as! Double) - 2 / 30.0.squareRoot()) < 1e-12)
        #expect(abs((w["cosine"] as! Double) - 38 / (30.0.squareRoot() * 50.0.squareRoot())) < 1e-12)
        #expect(w["maxAbsDiff"] as? Double == 2)
        #expect(changes.first { $0["name"] as? String == "gone" }?["kind"] as? String == "removed")
        #expect(changes.first { $0["name"] as? String == "new" }?["kind"] as? String == "added")
    }

    @Test func revisionsBranchesTagsAndSwitch() throws {
        let box = try Sandbox()
        for i in 0..<3 {
            try Fixtures.write(Fixtures.checkpoint(variant: i), to: box.dir.file("\(i).safetensors"))
            #expect(try box.mgit("commit", box.dir.file("\(i).safetensors"), "-m", "c\(i)").status == 0)
        }
        let ids = try box.git("rev-list", "main").stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 3)
        #expect(try box.mgit("tag", "v1", "HEAD~2").status == 0)
        #expect(try box.mgit("branch", "side", "main^").status == 0)
        let exists = try box.mgit("branch", "side")
        #expect(exists.status != 0 && exists.stderr.contains("already exists"))
        for (rev, expected) in [("HEAD", ids[0]), ("main~1", ids[1]), ("HEAD^", ids[1]), ("v1", ids[2]),
                                ("side", ids[1]), (String(ids[2].prefix(8)), ids[2])] {
            let shown = try #require(try box.mgit("show", rev, "--json").json() as? [String: Any], "\(rev)")
            #expect((shown["summary"] as? [String: Any])?["commit"] as? String == expected, "\(rev)")
        }
        let log = try #require(try box.mgit("log", "side", "--json").json() as? [[String: Any]])
        #expect(log.map { $0["commit"] as? String } == [ids[1], ids[2]])

        #expect(try box.mgit("switch", "side").status == 0)
        #expect(try box.git("symbolic-ref", "HEAD").stdout == "refs/heads/side\n")
        #expect(try box.git("status", "--porcelain").stdout == "")
        let deleteCurrent = try box.mgit("branch", "-d", "side")
        #expect(deleteCurrent.status != 0 && deleteCurrent.stderr.contains("current branch"))
        #expect(try box.mgit("switch", "main").status == 0)
        #expect(try box.mgit("branch", "-d", "side").status == 0)
        #expect(try box.git("rev-parse", "--verify", "-q", "refs/heads/side").status != 0)
        // A merge parent: REV^2 resolves through libgit2 like git's.
        #expect(try box.git("fsck", "--strict").status == 0)
    }

    @Test func plainGitSeesReadableMessagesWithLineageTrailers() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("a.safetensors"))
        try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "baseline model", "--branch", "teamA",
                     "--author", "Ada <ada@example.com>")
        let message = try box.git("log", "-1", "--format=%an <%ae>%n%B", "teamA").stdout
        #expect(message.hasPrefix("Ada <ada@example.com>\nbaseline model\n\n"))
        #expect(message.contains("Mgit-Operation: import\n"))
        #expect(message.contains("Mgit-Branch: teamA\n"))
        let trailers = try box.git("log", "-1", "--format=%(trailers:key=Mgit-Operation,valueonly)", "teamA").stdout
        #expect(trailers.trimmingCharacters(in: .whitespacesAndNewlines) == "import")
        let tree = try box.git("ls-tree", "-r", "--name-only", "teamA").stdout
        #expect(tree.contains("manifest.json\n") && tree.contains("operation.json\n") && tree.contains("tensors/fc1.weight\n"))
    }

    @Test func metricsTravelThroughNotesAndAPlainCloneReindexesLineageAndMetrics() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("a.safetensors"))
        try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a", "--metric", "accuracy=0.75", "--split", "test")
        #expect(try box.mgit("metrics", "add", "HEAD", "loss=0.5", "f1=0.7", "--split", "test").status == 0)
        let metrics = try #require(try box.mgit("metrics", "HEAD", "--json").json() as? [String: Any])
        let names = (metrics["metrics"] as? [[String: Any]])?.map { $0["name"] as? String }
        #expect(names == ["accuracy", "loss", "f1"])
        #expect(try box.git("notes", "--ref=refs/notes/mgit-metrics", "show", "HEAD").stdout.contains("\"loss\""))

        // A plain git clone with the notes, then mgit's database rebuilt from git alone.
        let clone = box.dir.file("clone")
        #expect(try box.git("clone", "-q", box.repo, clone, in: box.dir.path).status == 0)
        #expect(try box.git("fetch", "-q", "origin", "refs/notes/*:refs/notes/*", in: clone).status == 0)
        try FileManager.default.createDirectory(atPath: clone + "/.mgit", withIntermediateDirectories: true)
        let reindexed = try #require(try box.mgit("reindex", "--json", in: clone).json() as? [String: Any])
        #expect(reindexed["commits"] as? Int == 1)
        #expect(reindexed["metrics"] as? Int == 3)
        let cloned = try #require(try box.mgit("metrics", "main", "--json", in: clone).json() as? [String: Any])
        #expect(cloned["metrics"] as? NSArray == metrics["metrics"] as? NSArray)
        let lineage = try #require(try box.mgit("lineage", "main", "--json", in: clone).json() as? [[String: Any]])
        #expect(lineage.first?["operation"] as? String == "import")
        #expect(lineage.first?["sourceFile"] as? String == "a.safetensors")
    }

    @Test func aLostDatabaseIsRebuiltByReindex() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("a.safetensors"))
        try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a", "--metric", "acc=0.5")
        try box.mgit("metrics", "add", "HEAD", "loss=2")
        let before = try box.mgit("show", "--json").stdout
        try FileManager.default.removeItem(atPath: box.repo + "/.mgit/lineage.sqlite")
        #expect(try box.mgit("reindex").status == 0)
        #expect(try box.mgit("show", "--json").stdout == before)
    }

    @Test func shardedCheckpointsCommitAsOne() throws {
        let box = try Sandbox()
        let full = Fixtures.checkpoint()
        var shard1 = Checkpoint(metadata: ["format": "pt"]), shard2 = Checkpoint(metadata: ["format": "pt"])
        for (i, name) in full.names.enumerated() { if i < 3 { shard1[name] = full[name] } else { shard2[name] = full[name] } }
        try Fixtures.write(shard1, to: box.dir.file("model-00001-of-00002.safetensors"))
        try Fixtures.write(shard2, to: box.dir.file("model-00002-of-00002.safetensors"))
        var map: [String: String] = [:]
        for name in shard1.names { map[name] = "model-00001-of-00002.safetensors" }
        for name in shard2.names { map[name] = "model-00002-of-00002.safetensors" }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 1], "weight_map": map])
        _ = FileManager.default.createFile(atPath: box.dir.file("model.safetensors.index.json"), contents: index)
        let r = try box.mgit("commit", box.dir.file("model.safetensors.index.json"), "-m", "sharded", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        try box.mgit("export", "HEAD", "-o", box.dir.file("one.safetensors"))
        let back = try SafeTensors.read(path: box.dir.file("one.safetensors"))
        #expect(Set(back.names) == Set(full.names))
        for name in full.names { #expect(back[name] == full[name]) }
    }

    @Test func aPostCommitHookIsToldButCannotStopTheCommit() throws {
        let box = try Sandbox()
        let seen = box.dir.file("told")
        let hook = box.repo + "/.mgit/hooks/post-commit"
        _ = FileManager.default.createFile(atPath: hook, contents: Data("#!/bin/sh\necho \"$MGIT_COMMIT $MGIT_BRANCH\" > '\(seen)'\nexit 1\n".utf8))
        chmod(hook, 0o755)
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("a.safetensors"))
        let r = try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let commit = try #require(try r.json() as? [String: Any])["commit"] as? String
        #expect(try String(contentsOfFile: seen, encoding: .utf8) == "\(commit ?? "") main\n")
    }
}
