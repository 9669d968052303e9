import Foundation
import Testing

/// End-to-end: `mgit hooks list/enable/disable/run` and the sample hooks, through the built binary.
@Suite struct HookCommandTests {
    static func entries(_ box: Sandbox) throws -> [[String: Any]] {
        let r = try box.mgit("hooks", "list", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try r.json() as? [[String: Any]])
    }

    @Test func initInstallsTheSamplesAndListShowsThem() throws {
        let box = try Sandbox()
        for name in ["max-loss-barrier", "max-accuracy-drop", "max-loss-increase"] {
            let path = box.repo + "/.mgit/hooks/samples/" + name
            #expect(FileManager.default.isExecutableFile(atPath: path))
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("# mgit-hook: pre-merge"))
        }
        let entries = try Self.entries(box)
        #expect(entries.map { $0["name"] as? String } == ["max-accuracy-drop", "max-loss-barrier", "max-loss-increase"])
        #expect(entries.allSatisfy { $0["kind"] as? String == "sample" && $0["enabled"] as? Bool == false
                                     && $0["hook"] as? String == "pre-merge" })
        let text = try box.mgit("hooks", "list")
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("NAME"))
        #expect(text.stdout.contains(".mgit/hooks/samples/max-loss-barrier"))
        #expect(text.stdout.contains("No hook runs yet"))
    }

    @Test func enableCopiesIntoTheHookFolderAndDisableRemovesIt() throws {
        let box = try Sandbox()
        let enabled = try box.mgit("hooks", "enable", "max-loss-barrier")
        #expect(enabled.status == 0, "\(enabled.stderr)")
        #expect(enabled.stdout == "Enabled max-loss-barrier as a pre-merge hook (.mgit/hooks/pre-merge.d/max-loss-barrier).\n")
        let path = box.repo + "/.mgit/hooks/pre-merge.d/max-loss-barrier"
        #expect(FileManager.default.isExecutableFile(atPath: path))
        #expect(FileManager.default.contents(atPath: path)
                == FileManager.default.contents(atPath: box.repo + "/.mgit/hooks/samples/max-loss-barrier"))

        let entries = try Self.entries(box)
        #expect(entries.count == 4)   // three samples and the enabled hook
        #expect(entries.first { $0["kind"] as? String == "sample" && $0["name"] as? String == "max-loss-barrier" }?["enabled"] as? Bool == true)
        let hook = try #require(entries.first { $0["kind"] as? String == "hook" })
        #expect(hook["name"] as? String == "max-loss-barrier" && hook["path"] as? String == path)

        let twice = try box.mgit("hooks", "enable", "max-loss-barrier")
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("already enabled"))

        let rebase = try box.mgit("hooks", "enable", "max-accuracy-drop", "--as", "pre-rebase", "--json")
        #expect(rebase.status == 0, "\(rebase.stderr)")
        #expect((try rebase.json() as? [String: Any])?["hook"] as? String == "pre-rebase")
        #expect(FileManager.default.fileExists(atPath: box.repo + "/.mgit/hooks/pre-rebase.d/max-accuracy-drop"))

        let disabled = try box.mgit("hooks", "disable", "max-loss-barrier")
        #expect(disabled.status == 0, "\(disabled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
        let again = try box.mgit("hooks", "disable", "max-loss-barrier")
        #expect(again.status == 1)
        #expect(again.stderr == "error: no hook named 'max-loss-barrier' is enabled; enabled: pre-rebase/max-accuracy-drop\n")
    }

    @Test func unknownSampleAndUnknownHookAreClearErrors() throws {
        let box = try Sandbox()
        let unknown = try box.mgit("hooks", "enable", "max-barrier")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: there is no sample hook 'max-barrier'; the samples are max-accuracy-drop, "
                + "max-loss-barrier, max-loss-increase (mgit hooks list)\n")
        let badHook = try box.mgit("hooks", "enable", "max-loss-barrier", "--as", "pre-push")
        #expect(badHook.status == 1)
        #expect(badHook.stderr.contains("'pre-push' is not a hook mgit runs"))
        #expect(!FileManager.default.fileExists(atPath: box.repo + "/.mgit/hooks/pre-push.d"))
    }

    /// hooks.path moves the folder mgit runs hooks from, as git's core.hooksPath does.
    @Test func hooksPathConfigIsFollowed() throws {
        let box = try Sandbox()
        #expect(try box.mgit("config", "hooks.path", "team-hooks").status == 0)
        #expect(try box.mgit("hooks", "enable", "max-loss-barrier").status == 0)
        #expect(FileManager.default.fileExists(atPath: box.repo + "/team-hooks/pre-merge.d/max-loss-barrier"))
        let run = try box.mgit("hooks", "run", "pre-merge", "--env", "MGIT_LOSS_BARRIER=0.1", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect((try run.json() as? [[String: Any]])?.first?["path"] as? String
                == box.repo + "/team-hooks/pre-merge.d/max-loss-barrier")
    }

    /// The sample reads its maximum through "$MGIT_BIN" config; the environment overrides it; 0.2 otherwise.
    @Test(arguments: [
        (nil, nil, "1.42", false, "rejected: loss barrier 1.42 exceeds the default maximum 0.2"),
        (nil, nil, "0.2", true, "accepted: loss barrier 0.2 is within the default maximum 0.2"),
        ("0.5", nil, "1.42", false, "rejected: loss barrier 1.42 exceeds hooks.maxLossBarrier 0.5"),
        ("0.5", nil, "0.45", true, "accepted: loss barrier 0.45 is within hooks.maxLossBarrier 0.5"),
        ("0.5", "2", "1.42", true, "accepted: loss barrier 1.42 is within MGIT_MAX_LOSS_BARRIER 2"),
        (nil, "0.01", "2e-2", false, "rejected: loss barrier 2e-2 exceeds MGIT_MAX_LOSS_BARRIER 0.01"),
        (nil, nil, "nan", false, "rejected: loss barrier 'nan' is not a finite number"),
        (nil, nil, nil, false, "rejected: MGIT_LOSS_BARRIER is not set"),
        ("lots", nil, "0.1", false, "rejected: hooks.maxLossBarrier is 'lots', not a number"),
    ] as [(String?, String?, String?, Bool, String)])
    func maxLossBarrierSample(config: String?, environment: String?, barrier: String?, accepts: Bool,
                              message: String) throws {
        let box = try Sandbox()
        #expect(try box.mgit("hooks", "enable", "max-loss-barrier").status == 0)
        if let config { #expect(try box.mgit("config", "hooks.maxLossBarrier", config).status == 0) }
        var args = ["hooks", "run", "pre-merge", "--json"]
        if let barrier { args += ["--env", "MGIT_LOSS_BARRIER=" + barrier] }
        let run = try MgitProcess.run(MgitProcess.binary, args, in: box.repo,
                                      environment: environment.map { ["MGIT_MAX_LOSS_BARRIER": $0] } ?? [:])
        #expect(run.status == (accepts ? 0 : 3), "\(run.stderr)")
        let outcome = try #require((try run.json() as? [[String: Any]])?.first)
        let said = (outcome[accepts ? "stdout" : "stderr"] as? String) ?? ""
        #expect(said.hasPrefix(message), "\(said)")
        #expect(outcome["accepted"] as? Bool == accepts)
    }

    @Test(arguments: [
        (nil, "0.86", "0.90", "0.88", true),
        (nil, "0.84", "0.90", "0.88", false),    // 0.06 below the better parent
        (nil, "0.82", "0.80", "0.88", false),    // the better parent is B, 0.06 above
        ("0.1", "0.84", "0.90", "0.88", true),
        (nil, "0.85", "0.90", nil, true),        // one parent known is enough
        (nil, nil, "0.90", "0.88", false),       // merged accuracy not measured
        (nil, "0.85", nil, nil, false),          // neither parent known
    ] as [(String?, String?, String?, String?, Bool)])
    func maxAccuracyDropSample(config: String?, merged: String?, a: String?, b: String?, accepts: Bool) throws {
        let box = try Sandbox()
        #expect(try box.mgit("hooks", "enable", "max-accuracy-drop").status == 0)
        if let config { #expect(try box.mgit("config", "hooks.maxAccuracyDrop", config).status == 0) }
        var args = ["hooks", "run", "pre-merge", "--json"]
        for (name, value) in [("MGIT_MERGED_ACCURACY", merged), ("MGIT_ACCURACY_A", a), ("MGIT_ACCURACY_B", b)] {
            if let value { args += ["--env", "\(name)=\(value)"] }
        }
        let run = try MgitProcess.run(MgitProcess.binary, args, in: box.repo)
        #expect(run.status == (accepts ? 0 : 3), "\(run.stdout) \(run.stderr)")
        let outcome = try #require((try run.json() as? [[String: Any]])?.first)
        let stderr = outcome["stderr"] as? String ?? ""
        #expect(accepts ? stderr.isEmpty : stderr.hasPrefix("rejected: "), "\(stderr)")
    }

    @Test func runSendsThePayloadAndReportsRejections() throws {
        let box = try Sandbox()
        let folder = box.repo + "/.mgit/hooks/pre-merge.d"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("#!/bin/sh\ngrep -q '\"branch\": *\"b\"' || { echo 'wrong payload' >&2; exit 1; }\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/check"))
        #expect(chmod(folder + "/check", 0o755) == 0)
        try Data(#"{"branch": "b"}"#.utf8).write(to: URL(fileURLWithPath: box.dir.file("good.json")))
        try Data(#"{"branch": "c"}"#.utf8).write(to: URL(fileURLWithPath: box.dir.file("bad.json")))
        let good = try box.mgit("hooks", "run", "pre-merge", "--payload", box.dir.file("good.json"))
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.hasPrefix("accepted  pre-merge.d/check"))
        let bad = try box.mgit("hooks", "run", "pre-merge", "--payload", box.dir.file("bad.json"))
        #expect(bad.status == 3)
        #expect(bad.stdout == "rejected  pre-merge.d/check  exited with status 1\n    wrong payload\n")
        #expect(bad.stderr.hasPrefix("error: pre-merge hook rejected"))
        let none = try box.mgit("hooks", "run", "pre-rebase")
        #expect(none.status == 0 && none.stdout == "No pre-rebase hook in .mgit/hooks.\n")
    }
}
