import Foundation
import ModelRepo
import Testing

/// `mgit merge-base` through the built binary, checked against git's own `merge-base --octopus`.
@Suite struct MergeBaseCommandTests {
    @Test func findsTheCommitBranchesWereDevelopedFromAndSaysWhenThereIsNone() throws {
        let box = try Sandbox()
        func commit(_ seed: UInt64, _ branch: String) throws {
            let file = box.dir.file("m\(seed).safetensors")
            try Fixtures.write(Fixtures.checkpoint(seed: seed), to: file)
            let r = try box.mgit("commit", file, "-m", "seed \(seed)", "--branch", branch)
            #expect(r.status == 0, "\(r.stderr)")
        }
        try commit(1, "main")
        let root = try box.git("rev-parse", "main").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try commit(2, "main")
        let fork = try box.git("rev-parse", "main").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (branch, seed) in [("math", UInt64(3)), ("code", 4), ("chat", 5)] {
            #expect(try box.mgit("branch", branch, branch == "chat" ? root : "main").status == 0)
            try commit(seed, branch)
        }
        try commit(6, "math")

        let two = try box.mgit("merge-base", "math", "code")
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout == fork + "\n")
        // Three branches: the ancestor all share is the root, as git computes it.
        let three = try box.mgit("merge-base", "math", "code", "chat", "--json")
        let json = try #require(try three.json() as? [String: String])
        #expect(json["mergeBase"] == root)
        #expect(try box.git("merge-base", "--octopus", "math", "code", "chat").stdout == root + "\n")

        // An unrelated history has no merge base: exit status 1 and a way forward.
        try commit(7, "other")   // "other" is a new branch: a new line of history
        let none = try box.mgit("merge-base", "math", "other")
        #expect(none.status == 1 && none.stdout.isEmpty)
        #expect(none.stderr.contains("share no history") && none.stderr.contains("--base"))
        #expect(try box.mgit("merge-base", "math").status != 0)
        #expect(try box.mgit("merge-base", "math", "nope").stderr.contains("unknown revision 'nope'"))
    }
}
