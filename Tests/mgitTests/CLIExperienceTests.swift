import Foundation
import Testing

/// The CLI as a person meets it: help, version, misspelt commands, the reference in docs/ in step.
@Suite struct CLIExperienceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theCommandReferenceIsInStepWithHelp() throws {
        let generated = try MgitProcess.run("/bin/bash", [Self.root + "/scripts/cli-reference"], in: Self.root,
                                            environment: ["MGIT": MgitProcess.binary])
        #expect(generated.status == 0, "\(generated.stderr)")
        let committed = try String(contentsOfFile: Self.root + "/docs/CLI.md", encoding: .utf8)
        #expect(generated.stdout == committed, "docs/CLI.md is stale: run scripts/cli-reference > docs/CLI.md")
    }

    @Test(arguments: [("lgo", "log"), ("comit", "commit"), ("mrege", "merge"), ("rebsae", "rebase")])
    func aMisspeltCommandSuggestsTheRightOne(typo: String, meant: String) throws {
        let dir = try TemporaryDirectory()
        let r = try MgitProcess.run(MgitProcess.binary, [typo], in: dir.path)
        #expect(r.status == 64)
        #expect(r.stderr == "error: '\(typo)' is not an mgit command; did you mean '\(meant)'? (see 'mgit --help')\n")
    }

    @Test func everyCommandHasAnAbstractADiscussionAndAnExample() throws {
        let dir = try TemporaryDirectory()
        let top = try MgitProcess.run(MgitProcess.binary, ["--help"], in: dir.path).stdout
        let commands = top.components(separatedBy: "SUBCOMMANDS:")[1].split(separator: "\n")
            .compactMap { line -> String? in
                let t = line.trimmingCharacters(in: .whitespaces)
                return line.hasPrefix("  ") && !line.hasPrefix("    ") && !t.isEmpty ? String(t.split(separator: " ")[0]) : nil
            }
        #expect(commands.count >= 20)
        for command in commands where command != "help" && command != "See" {
            let help = try MgitProcess.run(MgitProcess.binary, [command, "--help"], in: dir.path).stdout
            #expect(help.hasPrefix("OVERVIEW: "), "\(command)")
            #expect(help.contains("mgit \(command)"), "\(command) --help has no example")
        }
        let version = try MgitProcess.run(MgitProcess.binary, ["--version"], in: dir.path)
        #expect(version.status == 0 && version.stdout.split(separator: ".").count == 3)
    }

    @Test func dashCBeforeTheCommandWorksLikeGit() throws {
        let box = try Sandbox()
        let r = try MgitProcess.run(MgitProcess.binary, ["-C", box.repo, "branch", "--json"], in: box.dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"main\""))
    }
}
