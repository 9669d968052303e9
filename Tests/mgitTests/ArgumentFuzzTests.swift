import Foundation
import ModelRepo
import Testing

/// Every subcommand, started from a working invocation, with each option (and the positional) replaced by odd
/// values: negative, zero, huge, NaN, empty, hex. Whatever mgit says, it must say it and exit: no signal, no
/// Swift runtime trap, no run past the deadline (issue 11, class 3).
@Suite struct ArgumentFuzzTests {
    static let values = ["-1", "0", "4000000000", "nan", "", "1e308", "-9223372036854775809", "0x10", "inf", "-0",
                         "99999999999999999999", "4000000000,4000000000"]

    /// A working invocation and the options whose values are replaced, one at a time.
    struct Case {
        var arguments: [String]
        var options: [String]
        /// Also replace the first positional (the argument right after the command words).
        var positional = false
    }

    static func cases(data: String, checkpoint: String, output: String) -> [Case] {
        let measure = ["--data", data, "--points", "3"]
        return [
            Case(arguments: ["commit", checkpoint, "-m", "fuzz", "--branch", "fz"],
                 options: ["-m", "--branch", "--metric", "--split", "--author", "--arch"]),
            Case(arguments: ["export", "a", "-o", output], options: ["-o"], positional: true),
            Case(arguments: ["log", "a"], options: ["-n"], positional: true),
            Case(arguments: ["show", "a"], options: [], positional: true),
            Case(arguments: ["diff", "a", "b"], options: [], positional: true),
            Case(arguments: ["branch", "newbranch"], options: [], positional: true),
            Case(arguments: ["switch", "a"], options: [], positional: true),
            Case(arguments: ["tag", "t1"], options: [], positional: true),
            Case(arguments: ["metrics", "show", "a"], options: [], positional: true),
            Case(arguments: ["metrics", "add", "a", "x=1"], options: ["--split", "--source"]),
            Case(arguments: ["lineage", "a"], options: ["--depth"], positional: true),
            Case(arguments: ["config", "merge.maxBarrier", "0.2"], options: [], positional: true),
            Case(arguments: ["remote", "add", "other", "/nonexistent"], options: [], positional: true),
            Case(arguments: ["fetch", "origin"], options: [], positional: true),
            Case(arguments: ["push", "origin"], options: [], positional: true),
            Case(arguments: ["pull", "origin"], options: [], positional: true),
            Case(arguments: ["train", "--data", data, "--test-data", "none", "--hidden", "4", "--epochs", "1",
                             "--batch", "4", "-o", output],
                 options: ["--hidden", "--epochs", "--batch", "--lr", "--subset", "--seed", "--schedule", "--optimizer",
                           "--arch", "--test-data", "-o"]),
            Case(arguments: ["eval", "a", "--data", data], options: ["--data", "--batch", "--arch"], positional: true),
            Case(arguments: ["rebase", "b", "--onto", "a"], options: ["--onto", "--method", "--spec", "--seed",
                                                                       "--max-sweeps", "--data"]),
            Case(arguments: ["spec", "a"], options: ["--spec"], positional: true),
            Case(arguments: ["barrier", "a", "b"] + measure,
                 options: ["--points", "--seed", "--plot", "--samples", "--eval-cmd", "--arch", "--data"]),
            Case(arguments: ["merge", "a", "b", "--no-align", "--max-barrier", "100"] + measure,
                 options: ["--alpha", "--max-barrier", "--points", "--samples", "--into", "--plot", "-m"]),
            Case(arguments: ["operations"], options: ["--status"]),
            Case(arguments: ["hooks", "enable", "max-loss-barrier"], options: ["--as"], positional: true),
            Case(arguments: ["hooks", "run", "pre-merge"], options: ["--env", "--payload"], positional: true),
        ]
    }

    /// The invocation with `option`'s value (or the positional at `index`) replaced by `value`.
    static func mutated(_ arguments: [String], option: String?, positionalAt index: Int?, value: String) -> [String] {
        var out = arguments
        if let option {
            if let i = out.firstIndex(of: option), i + 1 < out.count { out[i + 1] = value } else { out += [option, value] }
        } else if let index, index < out.count {
            out[index] = value
        }
        return out
    }

    @Test func everySubcommandSurvivesOddArgumentValues() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["MGIT_ARG_FUZZ_SEED"] ?? "") ?? 11
        var rng = SplitMix(seed)
        let box = try Sandbox()
        let checkpoint = box.dir.file("c.safetensors")
        try SafeTensors.write(mlp(seed: 1), to: checkpoint)
        let other = box.dir.file("d.safetensors")
        try SafeTensors.write(mlp(seed: 2), to: other)
        // 8 samples of the fixture MLP's 12 inputs, 4 classes.
        var dataset = Checkpoint()
        dataset["inputs"] = Tensor(shape: [8, 12], floats: (0..<96).map { Float($0 % 7) / 7 })
        dataset["labels"] = Tensor(dtype: .i64, shape: [8], bytes: (0..<8).flatMap { i -> [UInt8] in
            withUnsafeBytes(of: Int64(i % 4).littleEndian, Array.init)
        })
        let data = box.dir.file("data.safetensors")
        try SafeTensors.write(dataset, to: data)
        for (file, branch) in [(checkpoint, "a"), (other, "b")] {
            let r = try box.mgit("commit", file, "-m", branch, "--branch", branch)
            #expect(r.status == 0, "\(r.stderr)")
        }
        try box.git("remote", "add", "origin", box.dir.file("nowhere.git"))

        var runs = 0
        var targetIndex = Int(rng.next() % UInt64(Self.values.count))
        var failures: [String] = []
        for c in Self.cases(data: data, checkpoint: checkpoint, output: box.dir.file("out.safetensors")) {
            let commandWords = c.arguments.prefix { !$0.hasPrefix("-") && !$0.hasPrefix("/") }.count
            var targets: [(String?, Int?)] = c.options.map { ($0, nil) }
            if c.positional { targets.append((nil, min(commandWords, c.arguments.count - 1))) }
            for (option, index) in targets {
                // Two values per target: rotating, so that every value meets every kind of option across runs.
                targetIndex += 1
                for k in 0..<2 {
                    let value = Self.values[(targetIndex + k * 5 + Int(rng.next() % 2)) % Self.values.count]
                    let arguments = Self.mutated(c.arguments, option: option, positionalAt: index, value: value)
                    let r = try MgitProcess.run(MgitProcess.binary, arguments, in: box.repo,
                                                environment: ["OPENBLAS_NUM_THREADS": "1", "MGIT_HOOK_TIMEOUT": "5"])
                    runs += 1
                    if r.status >= 128 || r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump") {
                        failures.append("mgit \(arguments.map { "'\($0)'" }.joined(separator: " ")) → status \(r.status): "
                                        + String(r.stderr.suffix(300)))
                    }
                }
            }
        }
        #expect(failures.isEmpty, "seed \(seed), \(failures.count) of \(runs) runs died:\n\(failures.joined(separator: "\n"))")
        #expect(runs > 100)
        try StoreAudit.expectSound(box.repo)
    }
}

/// A seeded generator (SplitMix64), so a failing run can be repeated with MGIT_ARG_FUZZ_SEED.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The odd values the issue names, each refused with one `error:` line (not a usage dump, not a signal).
@Suite struct OddFlagTests {
    @Test func oddFlagValuesAreRefusedCleanly() throws {
        let box = try Sandbox()
        let checkpoint = box.dir.file("c.safetensors")
        try SafeTensors.write(mlp(seed: 1), to: checkpoint)
        #expect(try box.mgit("commit", checkpoint, "-m", "a", "--branch", "a").status == 0)
        #expect(try box.mgit("commit", checkpoint, "-m", "b", "--branch", "b").status == 0)
        let cases: [([String], String)] = [
            (["train", "--hidden", "4000000000", "--test-data", "none", "-o", box.dir.file("o.safetensors")], "too large"),
            (["train", "--hidden", "4", "--epochs", "4000000000", "--test-data", "none", "-o", box.dir.file("o.safetensors")],
             "at most 100000"),
            (["merge", "a", "b", "--no-align", "--max-barrier", "nan"], "--max-barrier"),
            (["barrier", "a", "b", "--points", "4000000000"], "1001 points"),
            (["branch", "HEAD"], "'HEAD' is not a valid branch name"),
            (["branch", "@"], "'@' is not a valid branch name"),
            (["commit", checkpoint, "-m", "x", "--branch", "HEAD"], "'HEAD' is not a valid branch name"),
            (["metrics", "add", "a", "accuracy=0x10"], "not a finite number"),
        ]
        for (arguments, words) in cases {
            let r = try MgitProcess.run(MgitProcess.binary, arguments, in: box.repo)
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
            #expect(r.status == 1 && errors.count == 1 && errors[0].contains(words),
                    "mgit \(arguments.joined(separator: " ")) → \(r.status): \(r.stderr)")
        }
        #expect(try box.git("branch", "--list", "HEAD", "@").stdout.isEmpty)
        let log = try box.mgit("log", "a", "-n", "0")
        #expect(log.status == 0 && log.stdout.isEmpty && log.stderr.isEmpty, "\(log.stdout)\(log.stderr)")
    }
}

/// A 12-4-4 MLP that architecture detection recognises.
func mlp(seed: UInt64) -> Checkpoint {
    var rng = SplitMix(seed)
    func floats(_ n: Int) -> [Float] { (0..<n).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 } }
    var c = Checkpoint()
    c["fc1.weight"] = Tensor(shape: [4, 12], floats: floats(48))
    c["fc1.bias"] = Tensor(shape: [4], floats: floats(4))
    c["fc2.weight"] = Tensor(shape: [4, 4], floats: floats(16))
    c["fc2.bias"] = Tensor(shape: [4], floats: floats(4))
    return c
}

/// `export -o`, `train -o` and `--plot` refuse a target that is not a regular file, and leave it as it was.
@Suite struct OutputTargetTests {
    @Test func nonRegularTargetsAreRefusedAndLeftAlone() throws {
        let box = try Sandbox()
        let checkpoint = box.dir.file("c.safetensors")
        try SafeTensors.write(mlp(seed: 1), to: checkpoint)
        #expect(try box.mgit("commit", checkpoint, "-m", "a", "--branch", "a").status == 0)
        let fifo = box.dir.file("fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        let toStdout = box.dir.file("stdout-link")
        #expect(symlink("/proc/self/fd/1", toStdout) == 0)
        let folder = box.dir.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let targets = [(fifo, "a FIFO"), (toStdout, "a symbolic link"), (folder, "a folder"), ("/dev/null", "a device node")]
        for (target, kind) in targets {
            for arguments in [["export", "a", "-o", target],
                              ["train", "--hidden", "4", "--test-data", "none", "-o", target],
                              ["barrier", "a", "a", "--plot", target]] {
                let r = try MgitProcess.run(MgitProcess.binary, arguments, in: box.repo)
                let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
                #expect(r.status == 1 && errors.count == 1 && errors[0].contains(kind),
                        "mgit \(arguments.joined(separator: " ")) → \(r.status): \(r.stderr)")
            }
        }
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        #expect(lstat(toStdout, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        // A regular file is replaced as before.
        let regular = box.dir.file("out.safetensors")
        try Data("old".utf8).write(to: URL(fileURLWithPath: regular))
        #expect(try box.mgit("export", "a", "-o", regular).status == 0)
        #expect(FileManager.default.contents(atPath: regular) == FileManager.default.contents(atPath: checkpoint))
    }
}

/// A failed command changes nothing: with only the lineage database read-only, a commit fails before the
/// branch moves (issue 11, class 6). Root may write any file, so as root the commands run as `nobody`.
@Suite struct ReadOnlyLineageTests {
    @Test func aCommitThatCannotUpdateTheLineageFailsBeforeTheBranchMoves() throws {
        let box = try Sandbox()
        let asRoot = getuid() == 0
        func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
            guard asRoot else { return try MgitProcess.run(executable, arguments, in: box.repo) }
            return try MgitProcess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", executable]
                                       + arguments, in: box.repo, environment: ["HOME": box.dir.path])
        }
        func own(_ user: String) throws {
            if asRoot { _ = try MgitProcess.run("/bin/chown", ["-R", user, box.dir.path], in: box.dir.path) }
        }
        let checkpoint = box.dir.file("c.safetensors")
        try SafeTensors.write(mlp(seed: 1), to: checkpoint)
        try own("65534:65534")
        #expect(try run(MgitProcess.binary, ["commit", checkpoint, "-m", "a", "--branch", "a"]).status == 0)
        let database = box.repo + "/.mgit/lineage.sqlite"
        #expect(chmod(database, 0o444) == 0)
        let before = try run("/usr/bin/git", ["for-each-ref"]).stdout
        try SafeTensors.write(mlp(seed: 2), to: checkpoint)
        try own("65534:65534")
        let r = try run(MgitProcess.binary, ["commit", checkpoint, "-m", "b", "--branch", "a"])
        #expect(r.status == 2 && r.stderr.contains("read-only") && r.stderr.contains("nothing was changed"), "\(r.stderr)")
        #expect(try run("/usr/bin/git", ["for-each-ref"]).stdout == before)
        #expect(before.contains("refs/heads/a"))
        #expect(chmod(database, 0o644) == 0)
        #expect(try run(MgitProcess.binary, ["commit", checkpoint, "-m", "b", "--branch", "a"]).status == 0)
        try own("0:0")
        try StoreAudit.expectSound(box.repo)
    }
}
