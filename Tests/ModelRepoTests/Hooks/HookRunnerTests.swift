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

/// HookRunner against real hook programs run as subprocesses in real repositories.
@Suite struct HookRunnerTests {
    struct Payload: Codable, Equatable {
        var branch: String
        var lossBarrier: Double
        var curve: [Double]
    }

    static let payload = Payload(branch: "teamB", lossBarrier: 1.42, curve: [0.1, 1.5, 0.2])

    @Test func noHookMeansNoOutcome() throws {
        let scratch = try ScratchRepository()
        #expect(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).isEmpty)
    }

    @Test func acceptingHookSeesEnvironmentAndRunsInTheRoot() throws {
        let scratch = try ScratchRepository()
        let out = scratch.file("seen")
        try scratch.hook("pre-merge", """
            #!/bin/sh
            printf '%s\\n' "$(pwd -P)" "$MGIT_HOOK" "$MGIT_REPO" "$MGIT_LOSS_BARRIER" "$MGIT_BIN" > '\(out)'
            echo fine
            """)
        let outcomes = try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload,
                                          environment: ["MGIT_LOSS_BARRIER": "0.05"])
        let outcome = try #require(outcomes.first)
        #expect(outcomes.count == 1)
        #expect(outcome.accepted && outcome.exitStatus == 0 && outcome.signal == nil && !outcome.timedOut)
        #expect(outcome.stdout == "fine\n")
        #expect(outcome.reason == "exited with status 0")
        let root = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path
        let lines = scratch.read("seen").split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines.first == root)
        #expect(Array(lines.dropFirst().prefix(3)) == ["pre-merge", scratch.repository.root, "0.05"])
        #expect(lines.last?.hasPrefix("/") == true)
        #expect(HookRunner.rejection(outcomes) == nil)
    }

    @Test func nonZeroExitRejectsWithItsStderr() throws {
        let scratch = try ScratchRepository()
        try scratch.hook("pre-merge", "#!/bin/sh\necho 'barrier too high' >&2\nexit 3\n")
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(!outcome.accepted)
        #expect(outcome.exitStatus == 3 && outcome.signal == nil)
        #expect(outcome.stderr == "barrier too high\n")
        #expect(outcome.reason == "exited with status 3")
        let error = try #require(HookRunner.rejection([outcome]))
        #expect(error.code == .rejected)
        #expect(error.message.contains("pre-merge exited with status 3"))
        #expect(error.message.contains("barrier too high"))
    }

    @Test func signalDeathRejectsNamingTheSignal() throws {
        let scratch = try ScratchRepository()
        try scratch.hook("pre-merge", "#!/bin/sh\nulimit -c 0\nkill -SEGV $$\nexit 0\n")
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(!outcome.accepted)
        #expect(outcome.exitStatus == nil)
        #expect(outcome.signal == SIGSEGV)
        #expect(outcome.reason == "was killed by SIGSEGV")
    }

    /// The hook forks a grandchild `sleep`; the timeout must kill both (the whole process group).
    @Test func hangingHookIsKilledWithItsChildren() throws {
        let scratch = try ScratchRepository()
        try scratch.repository.setConfigValue("hooks.timeout", "1")
        let pidFile = scratch.file("sleep.pid")
        try scratch.hook("pre-merge", """
            #!/bin/sh
            sleep 1000 &
            echo $! > '\(pidFile)'
            echo 'waiting forever' >&2
            wait
            """)
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(!outcome.accepted)
        #expect(outcome.timedOut)
        #expect(outcome.signal == SIGKILL)
        #expect(outcome.reason == "timed out after 1 s and was killed")
        #expect(outcome.stderr == "waiting forever\n")
        let pid = try #require(Int32(scratch.read("sleep.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        // SIGKILL is delivered at once, but the reparented sleep may need a moment to be torn down.
        var gone = processIsGone(pid)
        for _ in 0..<200 where !gone {
            usleep(10_000)
            gone = processIsGone(pid)
        }
        #expect(gone, "the grandchild sleep \(pid) outlived the hook's timeout")
    }

    @Test func hookReadsThePayloadOnStdin() throws {
        let scratch = try ScratchRepository()
        let copy = scratch.file("payload.json")
        try scratch.hook("pre-merge", """
            #!/bin/sh
            cat > '\(copy)'
            grep -q '"branch":"teamB"' '\(copy)' || { echo 'no branch field' >&2; exit 1; }
            """)
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(outcome.accepted, "\(outcome.stderr)")
        let data = try #require(FileManager.default.contents(atPath: copy))
        #expect(data.last == 0x0A)
        #expect(try JSONDecoder().decode(Payload.self, from: data) == Self.payload)
    }

    @Test func nonExecutableHookRejectsWithAReason() throws {
        let scratch = try ScratchRepository()
        let path = try scratch.hook("pre-merge", "#!/bin/sh\nexit 0\n", executable: false)
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(!outcome.accepted)
        #expect(outcome.exitStatus == nil)
        #expect(outcome.reason.contains("not executable"))
        #expect(outcome.reason.contains(path))
    }

    @Test func missingInterpreterRejectsNamingIt() throws {
        let scratch = try ScratchRepository()
        try scratch.hook("pre-merge", "#!/no/such/interpreter\nexit 0\n")
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(!outcome.accepted)
        #expect(outcome.reason.hasPrefix("could not be run: "))
        #expect(outcome.reason.contains("/no/such/interpreter"))
    }

    /// The exact-name hook first, then `.d/` entries in byte order; hidden and parked files skipped;
    /// a rejection in the middle does not stop the rest.
    @Test func directoryHooksRunInNameOrder() throws {
        let scratch = try ScratchRepository()
        let log = scratch.file("order")
        for name in ["pre-merge", "pre-merge.d/20-b", "pre-merge.d/10-a", "pre-merge.d/9-c", "pre-merge.d/.hidden",
                     "pre-merge.d/x.sample", "pre-merge.d/y.disabled", "pre-rebase"] {
            let status = name.hasSuffix("10-a") ? 1 : 0
            try scratch.hook(name, "#!/bin/sh\necho '\(name)' >> '\(log)'\nexit \(status)\n")
        }
        let outcomes = try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload)
        let expected = ["pre-merge", "pre-merge.d/10-a", "pre-merge.d/20-b", "pre-merge.d/9-c"]
        #expect(scratch.read("order") == expected.map { $0 + "\n" }.joined())
        #expect(outcomes.map(\.displayName) == expected)
        #expect(outcomes.map(\.accepted) == [true, false, true, true])
        let error = try #require(HookRunner.rejection(outcomes))
        #expect(error.message.contains("pre-merge.d/10-a exited with status 1"))
        #expect(!error.message.contains("20-b"))
    }

    /// Megabytes on both output pipes and a payload the hook never reads: no deadlock, stderr capped to its end.
    @Test func bigOutputsAndAnUnreadPayloadDoNotBlock() throws {
        struct Big: Encodable { var blob: String }
        let scratch = try ScratchRepository()
        try scratch.hook("pre-merge", """
            #!/bin/sh
            i=0
            while [ $i -lt 20000 ]; do
                echo "out line $i with some padding to make it longer"
                echo "err line $i with some padding to make it longer" >&2
                i=$((i + 1))
            done
            echo 'last words' >&2
            exit 1
            """)
        let payload = Big(blob: String(repeating: "x", count: 1 << 20))
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: payload).first)
        #expect(outcome.exitStatus == 1)
        #expect(outcome.stderr.utf8.count == 64 * 1024)
        #expect(outcome.stderr.hasSuffix("err line 19999 with some padding to make it longer\nlast words\n"))
        #expect(outcome.stdout.hasSuffix("out line 19999 with some padding to make it longer\n"))
    }

    @Test func hooksPathConfigMovesTheFolder() throws {
        let scratch = try ScratchRepository()
        try scratch.repository.setConfigValue("hooks.path", "my-hooks")
        #expect(scratch.repository.hooksDirectory == scratch.repository.root + "/my-hooks")
        try scratch.hook("post-commit", "#!/bin/sh\nexit 0\n")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/my-hooks/post-commit"))
        let outcomes = try HookRunner.run("post-commit", in: try scratch.repository.hookContext(), payload: Self.payload)
        #expect(outcomes.map(\.accepted) == [true])
    }

    @Test(arguments: ["0", "-1", "soon", "nan"])
    func badTimeoutConfigIsAnError(value: String) throws {
        let scratch = try ScratchRepository()
        try scratch.repository.setConfigValue("hooks.timeout", value)
        try scratch.hook("pre-merge", "#!/bin/sh\nexit 0\n")
        let error = #expect(throws: MgitError.self) {
            try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("hooks.timeout") == true)
    }

    @Test(arguments: ["", "../x", "a/b"])
    func badHookNameIsAnError(name: String) throws {
        let scratch = try ScratchRepository()
        #expect(throws: MgitError.self) { try HookRunner.run(name, in: try scratch.repository.hookContext(), payload: Self.payload) }
    }
}

extension HookRunnerTests {
    /// A grandchild left writing to the hook's stdout after the hook exits must not keep mgit reading.
    @Test func backgroundWriterDoesNotHoldTheRunner() throws {
        let scratch = try ScratchRepository()
        let pidFile = scratch.file("yes.pid")
        try scratch.hook("pre-merge", "#!/bin/sh\nyes > /dev/stdout &\necho $! > '\(pidFile)'\nexit 0\n")
        let outcome = try #require(try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: Self.payload).first)
        #expect(outcome.accepted)
        #expect(outcome.stdout.utf8.count <= 64 * 1024)
        if let pid = Int32(scratch.read("yes.pid").trimmingCharacters(in: .whitespacesAndNewlines)) {
            // It dies of SIGPIPE once the runner closes the pipe; make sure, so it never outlives the test.
            kill(pid, SIGKILL)
        }
    }
}
