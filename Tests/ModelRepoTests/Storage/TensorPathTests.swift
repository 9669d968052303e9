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

@Suite struct TensorPathTests {
    @Test(arguments: [
        ("fc1.weight", "fc1.weight"),
        ("layers.0.attn.q_proj-x", "layers.0.attn.q_proj-x"),
        ("", "%"),
        (".", "%2E"),
        ("..", "%2E."),
        (".git", "%2Egit"),
        ("a/b", "a%2Fb"),
        ("../../etc/passwd", "%2E.%2F..%2Fetc%2Fpasswd"),
        ("Weight", "%57eight"),
        ("100%", "100%25"),
        ("nul\u{0}byte", "nul%00byte"),
        ("é", "%C3%A9"),
    ])
    func encodesToASafePath(name: String, expected: String) {
        #expect(TensorPath.encode(name) == expected)
    }

    @Test func pathsAreSafeAndDistinctForManyTrickyNames() {
        var names: [String] = ["", ".", "..", ".git", "/", "//", "a", "A", "%41", "%", "%%", "a.b", "a%2Eb"]
        for a in ["x", "X", ".", "/", "%", "\u{0}", " ", "é", "~"] {
            for b in ["y", "Y", ".", "/", "%", "\u{1}", "\\", "-"] { names.append(a + b); names.append(b + a + b) }
        }
        names.append(String(repeating: "long.name.", count: 40))
        names.append(String(repeating: "long.name.", count: 40) + "x")
        let paths = names.map(TensorPath.encode)
        #expect(Set(paths).count == Set(names).count)
        for p in paths {
            #expect(!p.isEmpty && !p.contains("/") && !p.utf8.contains(0) && !p.hasPrefix("."))
            #expect(p.utf8.count <= TensorPath.maximumLength)
            #expect(p.lowercased() == p || p.contains("%"))
            #expect(!p.unicodeScalars.contains { ("A"..."Z").contains($0) && !p.contains("%") })
        }
    }
}

@Suite struct CommitTrailersTests {
    @Test func trailersRoundTripThroughAMessage() throws {
        let t = CommitTrailers(operation: "rebase", branch: "teamB", sources: ["abc", "def"], extra: [("Method", "weight")])
        let message = t.message(subject: "align teamB\n\nwith more words\n")
        #expect(message == "align teamB\n\nwith more words\n\nMgit-Operation: rebase\nMgit-Branch: teamB\nMgit-Source: abc\nMgit-Source: def\nMgit-Method: weight\n")
        let parsed = try #require(CommitTrailers.parse(message))
        #expect(parsed.trailers == t)
        #expect(parsed.subject == "align teamB\n\nwith more words")
    }

    @Test func aMessageWithoutMgitTrailersHasNone() {
        #expect(CommitTrailers.parse("just a message") == nil)
        #expect(CommitTrailers.parse("subject\n\nSigned-off-by: x") == nil)
    }
}

@Suite struct PersonAndMetricParsingTests {
    @Test func parsesAuthors() throws {
        #expect(try Person.parse("Ada Lovelace <ada@example.com>") == Person(name: "Ada Lovelace", email: "ada@example.com"))
        #expect(throws: MgitError.self) { try Person.parse("Ada") }
        #expect(throws: MgitError.self) { try Person.parse("<a@b>") }
    }

    @Test func parsesMetrics() throws {
        let m = try Metric.parse("accuracy=0.875", split: "test")
        #expect(m.name == "accuracy" && m.value == 0.875 && m.split == "test")
        for bad in ["accuracy", "=1", "a=", "a=nan", "a=inf", "a=high"] {
            #expect(throws: MgitError.self, "\(bad)") { try Metric.parse(bad) }
        }
    }
}
