import Foundation
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

/// The samples embedded in mgit match the top-level hooks/ folder, and repositories get them at init.
@Suite struct HookSampleTests {
    static func sampleFiles() throws -> [(name: String, text: String)] {
        let folder = packageRoot + "/hooks"
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
            .map { ($0, try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) }
    }

    /// Set MGIT_UPDATE_SAMPLES=1 to rewrite HookSample+Texts.swift from hooks/ (then rebuild and run again).
    @Test func embeddedTextsMatchTheHooksFolder() throws {
        let files = try Self.sampleFiles()
        #expect(files.count >= 2)
        let generated = packageRoot + "/Sources/MgitHooks/HookSample+Texts.swift"
        let expectedSource = HookSample.generatedSource(files)
        if ProcessInfo.processInfo.environment["MGIT_UPDATE_SAMPLES"] == "1" {
            try expectedSource.write(toFile: generated, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: generated, encoding: .utf8) == expectedSource,
                "HookSample+Texts.swift is out of step with hooks/: run MGIT_UPDATE_SAMPLES=1 swift test --filter HookSampleTests")
        #expect(HookSample.builtIn.map(\.name) == files.map(\.name))
        #expect(HookSample.builtIn.map(\.text) == files.map(\.text))
    }

    /// Samples are committed executable, start with a shebang and name their hook.
    @Test func samplesAreExecutableScriptsThatNameTheirHook() throws {
        for (name, text) in try Self.sampleFiles() {
            #expect(access(packageRoot + "/hooks/" + name, X_OK) == 0, "hooks/\(name) is not executable")
            #expect(text.hasPrefix("#!/bin/sh\n"))
            let hook = try #require(HookSample.declaredHook(in: text), "hooks/\(name) has no '# mgit-hook:' line")
            #expect(HookRunner.knownHooks.contains(hook))
        }
        let listed = ChildProcess(executable: "/usr/bin/git", arguments: ["ls-files", "-s", "hooks"],
                                      environment: ProcessInfo.processInfo.environment, directory: packageRoot,
                                      timeout: 60).run()
        let lines = String(decoding: listed.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == (try Self.sampleFiles()).count, "every sample is committed")
        for line in lines {
            #expect(line.hasPrefix("100755 "), "committed without the exec bit: \(line)")
        }
    }

    @Test(arguments: [
        ("#!/bin/sh\n# mgit-hook: pre-merge\n", "pre-merge"),
        ("#!/bin/sh\n#   mgit-hook:   pre-rebase  \n", "pre-rebase"),
        ("#!/bin/sh\n# mgit-hook:\n", nil),
        ("#!/bin/sh\necho '# mgit-hook: pre-merge'\n", nil),
        ("#!/bin/sh\n" + String(repeating: "#\n", count: 10) + "# mgit-hook: pre-merge\n", nil),
    ] as [(String, String?)])
    func headerLineNamesTheHook(text: String, hook: String?) {
        #expect(HookSample.declaredHook(in: text) == hook)
    }

    @Test func createInstallsEverySampleExecutable() throws {
        let scratch = try ScratchRepository()
        let folder = scratch.repository.hookSamplesDirectory
        #expect(folder == scratch.path + "/.mgit/hooks/samples")
        for sample in HookSample.builtIn {
            #expect(try String(contentsOfFile: folder + "/" + sample.name, encoding: .utf8) == sample.text)
            #expect(access(folder + "/" + sample.name, X_OK) == 0)
        }
        // Samples do not run: nothing is named after a hook yet.
        #expect(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: [String: Int]()).isEmpty)
    }

    @Test func enableListAndDisableThroughTheRepository() throws {
        let scratch = try ScratchRepository()
        let repo = scratch.repository
        #expect(repo.hookEntries().filter { $0.kind == .hook }.isEmpty)
        #expect(repo.hookEntries().filter { $0.kind == .sample }.allSatisfy { !$0.enabled })

        let entry = try repo.enableHookSample("max-loss-barrier")
        #expect(entry.path == repo.hooksDirectory + "/pre-merge.d/max-loss-barrier")
        #expect(HookRunner.programs(named: "pre-merge", in: repo.hooksDirectory) == [entry.path!])
        let entries = repo.hookEntries()
        #expect(entries.first { $0.kind == .sample && $0.name == "max-loss-barrier" }?.enabled == true)
        #expect(entries.first { $0.kind == .sample && $0.name == "max-accuracy-drop" }?.enabled == false)
        #expect(entries.filter { $0.kind == .hook } == [entry])

        #expect(throws: MgitError.self) { try repo.enableHookSample("max-loss-barrier") }
        try repo.enableHookSample("max-accuracy-drop", as: "pre-rebase")
        #expect(HookRunner.programs(named: "pre-rebase", in: repo.hooksDirectory).count == 1)

        let removed = try repo.disableHook("max-loss-barrier")
        #expect(removed.map(\.path) == [entry.path])
        #expect(HookRunner.programs(named: "pre-merge", in: repo.hooksDirectory).isEmpty)
        let error = #expect(throws: MgitError.self) { try repo.disableHook("max-loss-barrier") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("pre-rebase/max-accuracy-drop") == true)
    }

    @Test func unknownSampleOrHookIsAClearError() throws {
        let scratch = try ScratchRepository()
        let unknown = #expect(throws: MgitError.self) { try scratch.repository.enableHookSample("max-barrier") }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.contains("max-loss-barrier") == true)
        let badHook = #expect(throws: MgitError.self) {
            try scratch.repository.enableHookSample("max-loss-barrier", as: "pre-push")
        }
        #expect(badHook?.code == .invalidInput)
        // A user's own sample without a header needs --as.
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: scratch.repository.hookSamplesDirectory + "/mine"))
        let noHeader = #expect(throws: MgitError.self) { try scratch.repository.enableHookSample("mine") }
        #expect(noHeader?.parameter == "hook" && noHeader?.message.contains("--") == false)
        #expect(try scratch.repository.enableHookSample("mine", as: "post-commit").hook == "post-commit")
    }
}
