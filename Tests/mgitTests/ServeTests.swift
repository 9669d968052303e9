import Foundation
import ModelRepo
import Testing

/// `mgit serve` end to end: the built binary serves a repository the test builds with the same binary (two
/// teams, a rebase, a refused and an accepted merge, a fetched remote branch, a hostile tensor name); plain HTTP
/// checks the JSON against the CLI's `--json` and the bad requests; headless Chromium checks the pages.
@Suite(.serialized) struct ServeTests {
    static let hostileTensor = "<script>document.title='pwned'</script>"
    static let hostileMessage = "<img src=x onerror=\"document.title='pwned'\"> hostile import"
    static let hookReason = "refused by <b>review</b>: loss barrier too high"

    /// The repository every check reads.
    private func buildRepository(_ box: Sandbox) throws {
        let env = ["OPENBLAS_NUM_THREADS": "1"]
        func ok(_ r: CommandResult, _ what: String) { #expect(r.status == 0, "\(what): \(r.stderr)") }
        for (branch, seed) in [("a", "1"), ("b", "2")] {
            ok(try box.mgit("train", "--hidden", "16", "--subset", "first:600", "--epochs", "1", "--seed", seed, "--test-data", "none",
                            "--branch", branch, "-m", "team \(branch)", environment: env), "train \(branch)")
        }
        // A second repository whose branch arrives by fetch, as refs/remotes/upstream/teamC.
        ok(try box.mgit("init", "upstream", in: box.dir.path), "init upstream")
        try Fixtures.write(Fixtures.checkpoint(seed: 5), to: box.dir.file("c.safetensors"))
        ok(try box.mgit("commit", box.dir.file("c.safetensors"), "-m", "team c", "--branch", "teamC", in: box.dir.file("upstream")), "commit c")
        ok(try box.mgit("remote", "add", "upstream", box.dir.file("upstream")), "remote add")
        ok(try box.mgit("fetch", "upstream"), "fetch")
        // Attacker-controlled strings: a tensor name and a commit message that are markup.
        var hostile = Fixtures.checkpoint(seed: 6)
        hostile[Self.hostileTensor] = Tensor(shape: [2], floats: [1, 2])
        try Fixtures.write(hostile, to: box.dir.file("hostile.safetensors"))
        ok(try box.mgit("commit", box.dir.file("hostile.safetensors"), "-m", Self.hostileMessage, "--branch", "hostile"), "commit hostile")

        ok(try box.mgit("rebase", "b", "--onto", "a", "--seed", "0", environment: env), "rebase")
        let hook = box.repo + "/.mgit/hooks/pre-merge"
        _ = FileManager.default.createFile(atPath: hook, contents: Data("#!/bin/sh\necho '\(Self.hookReason)'\nexit 1\n".utf8))
        chmod(hook, 0o755)
        let fast = ["--samples", "300", "--points", "3"]
        let refused = try MgitProcess.run(MgitProcess.binary, ["merge", "a", "b"] + fast, in: box.repo, environment: env)
        #expect(refused.status == 3, "the hook should refuse: \(refused.stderr)")
        try FileManager.default.removeItem(atPath: hook)
        ok(try MgitProcess.run(MgitProcess.binary, ["merge", "a", "b"] + fast, in: box.repo, environment: env), "merge")
    }

    /// Equal JSON values: both serialised again with sorted keys, byte for byte.
    private func same(_ a: Any, _ b: Any) -> Bool {
        let canonical = { (v: Any) in try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) }
        return canonical(a) != nil && canonical(a) == canonical(b)
    }

    @Test func servesTheRepositoryItsAPIAndItsPagesSafely() throws {
        let box = try Sandbox()
        try buildRepository(box)
        let server = try ServeProcess(repository: box.repo)
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        let base = server.url

        // The JSON documents are exactly what the CLI's --json prints.
        for (path, cli) in [("api/log?rev=a", ["log", "a", "--json"]), ("api/show?rev=a~1", ["show", "a~1", "--json"]),
                            ("api/lineage?rev=a", ["lineage", "a", "--json"]), ("api/operations", ["operations", "--json"]),
                            ("api/operations?status=rejected", ["operations", "--status", "rejected", "--json"]),
                            ("api/metrics?rev=a", ["metrics", "a", "--json"]), ("api/diff?a=a~1&b=a", ["diff", "a~1", "a", "--json"]),
                            ("api/branches", ["branch", "--json"]), ("api/log?rev=upstream/teamC", ["log", "upstream/teamC", "--json"])] {
            let r = try HTTPExchange.request(base + path)
            #expect(r.status == 200 && r.header("content-type")?.hasPrefix("application/json") == true, "\(path): \(r.status) \(r.body.prefix(300))")
            let expected = try MgitProcess.run(MgitProcess.binary, cli, in: box.repo)
            #expect(same(try r.json(), try expected.json()), "\(path) differs from mgit \(cli.joined(separator: " "))")
        }

        // Bad requests: each gets a clear answer, and none reaches a file.
        let unknown = try HTTPExchange.request(base + "commit?rev=no-such-branch")
        #expect(unknown.status == 404 && unknown.body.contains("no-such-branch") && unknown.body.contains("<h1>404"), "\(unknown.body.prefix(500))")
        let unknownAPI = try HTTPExchange.request(base + "api/show?rev=no-such-branch")
        #expect(unknownAPI.status == 404 && ((try? unknownAPI.json()) as? [String: Any])?["error"] as? String != nil)
        for path in ["../../../../etc/passwd", "assets/../../../etc/passwd", "assets/..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd"] {
            let r = try HTTPExchange.request(base + path)
            #expect([400, 404].contains(r.status) && !r.body.contains("root:"), "\(path): \(r.status)")
        }
        let dotted = try HTTPExchange.request(base + "commit?rev=../../etc/passwd")
        #expect(dotted.status == 400 && dotted.body.contains("is not a revision"), "\(dotted.status)")
        let huge = try HTTPExchange.request(base + "commit?rev=" + String(repeating: "a", count: 20_000))
        #expect(huge.status == 414, "20 kB query: \(huge.status)")
        let enormous = try HTTPExchange.request(base + "?x=" + String(repeating: "b", count: 100_000))
        #expect(enormous.status == 0 || (400..<500).contains(enormous.status), "100 kB query: \(enormous.status)")
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let r = try HTTPExchange.request(base, method: method, extra: ["--data", "x=1"])
            #expect(r.status == 405 && r.header("allow") == "GET", "\(method): \(r.status)")
        }
        #expect(try HTTPExchange.request(base + "no/such/page").status == 404)
        let page = try HTTPExchange.request(base)
        #expect(page.status == 200 && page.header("content-security-policy")?.contains("script-src 'self'") == true)

        try browserChecks(box, base: base)

        // Live: a commit made while the server runs is on the next page load.
        try Fixtures.write(Fixtures.checkpoint(seed: 9), to: box.dir.file("late.safetensors"))
        let late = try #require(try box.mgit("commit", box.dir.file("late.safetensors"), "-m", "late", "--branch", "late", "--json").json() as? [String: Any])
        let lateID = try #require(late["commit"] as? String)
        #expect(try HTTPExchange.request(base).body.contains("data-commit=\"\(lateID)\""))

        let stopped = server.stop(SIGTERM)
        #expect(stopped.status == 0 && stopped.stdout.contains("Stopped."), "SIGTERM: \(stopped)")
        let again = try ServeProcess(repository: box.repo)
        #expect(try HTTPExchange.request(again.url + "api/branches").status == 200)
        let interrupted = again.stop(SIGINT)
        #expect(interrupted.status == 0 && interrupted.stdout.contains("Stopped."), "SIGINT: \(interrupted)")
    }

    /// Chromium loads each page: the graph has a node per commit and an edge per parent, the merge pages show
    /// both verdicts and the hook's reason, hostile strings are text, and no page logs to the console.
    private func browserChecks(_ box: Sandbox, base: String) throws {
        guard let browser = try HeadlessBrowser() else {
            print("ServeTests: skipping the browser checks: Chromium is not installed (scripts/bootstrap installs Debian's chromium)")
            return
        }
        var console: [String] = []

        let graph = try browser.dom(base)
        console += graph.console
        let commits = Set(try box.git("rev-list", "--branches", "--remotes").stdout.split(whereSeparator: \.isNewline).map(String.init))
        let nodes = Set(Self.captures(#"class="node [^"]*" data-commit="([0-9a-f]{40})""#, in: graph.dom).map { $0[0] })
        #expect(!commits.isEmpty && nodes == commits, "graph nodes \(nodes.count), commits \(commits.count)")
        var parentEdges = Set<String>()
        for line in try box.git("rev-list", "--parents", "--branches", "--remotes").stdout.split(whereSeparator: \.isNewline) {
            let ids = line.split(separator: " ").map(String.init)
            for p in ids.dropFirst() { parentEdges.insert(ids[0] + " " + p) }
        }
        let edgeList = Self.captures(#"class="edge" data-child="([0-9a-f]{40})" data-parent="([0-9a-f]{40})""#, in: graph.dom).map { $0[0] + " " + $0[1] }
        #expect(edgeList.count == parentEdges.count && Set(edgeList) == parentEdges, "edges \(edgeList.count), parents \(parentEdges.count)")
        #expect(Self.captures(#"<g class="refused" data-operation="(\d+)""#, in: graph.dom).count == 1)
        #expect(graph.dom.contains("upstream/teamC") && graph.dom.contains("refused merge"))

        let rejected = try #require(try HTTPExchange.request(base + "api/operations?status=rejected").json() as? [[String: Any]])
        let refusedID = try #require(rejected.first { $0["kind"] as? String == "merge" }?["id"] as? Int)
        let refused = try browser.dom(base + "merge?op=\(refusedID)")
        console += refused.console
        #expect(refused.dom.contains("verdict-rejected\">refused</span>"), "refused merge page")
        #expect(refused.dom.contains("pre-merge") && refused.dom.contains(HTMLText.escape(Self.hookReason)), "the hook and its reason")
        let accepted = try browser.dom(base + "merge?commit=a")
        console += accepted.console
        #expect(accepted.dom.contains("verdict-accepted\">accepted</span>") && accepted.dom.contains("class=\"barrier-plot\""))
        let plot = try HTTPExchange.request(base + "plot/merge.svg?commit=a")
        #expect(plot.status == 200 && plot.header("content-type") == "image/svg+xml" && plot.body.contains("<polyline"))

        // Hostile names are shown as text and run nothing: the title is still ours.
        let hostile = try browser.dom(base + "commit?rev=hostile")
        console += hostile.console
        #expect(hostile.dom.contains(HTMLText.escape(Self.hostileTensor)), "the tensor name as text")
        #expect(!hostile.dom.contains("<script>document") && !hostile.dom.contains("<img src=\"x\""))
        #expect(!hostile.dom.contains("pwned</title>") && hostile.dom.contains("<title>Commit "))
        let hostileGraph = graph.dom.contains(HTMLText.escape(HTMLText.firstLine(Self.hostileMessage)))
        #expect(hostileGraph, "the hostile message shows as text in the graph")

        for path in ["commit?rev=a", "metrics?branch=a", "diff?a=a~1&b=a", "merges"] {
            let r = try browser.dom(base + path)
            console += r.console
            #expect(r.dom.contains("</main>"), "\(path) rendered")
        }
        let metrics = try browser.dom(base + "metrics?branch=a&metric=loss%20(test)")
        #expect(metrics.dom.contains("class=\"point\""), "the chart has points")

        let shots = ProcessInfo.processInfo.environment["MGIT_SERVE_SCREENSHOTS"].map { TemporaryDirectoryPath(path: $0) }
        let dir = try TemporaryDirectory()
        for (name, path, height) in [("serve-graph.png", "", 700), ("serve-merge.png", "merge?op=\(refusedID)", 1100)] {
            let file = (shots?.path ?? dir.path) + "/" + name
            console += try browser.screenshot(base + path, to: file, height: height)
            let png = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(name): \(png.count) bytes")
        }
        #expect(console.isEmpty, "console messages: \(console)")
    }

    @Test func theCommitPageListsAModelFoldersOtherFiles() throws {
        let box = try Sandbox()
        let folder = box.dir.file("model")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var c = Checkpoint()
        c["fc1.weight"] = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        c["fc1.bias"] = Tensor(shape: [2], floats: [0.5, -0.5])
        try SafeTensors.write(c, to: folder + "/model.safetensors")
        try Data(#"{"model_type": "mlp"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        try Data("# <script>alert(1)</script> card\n".utf8).write(to: URL(fileURLWithPath: folder + "/README.md"))
        let committed = try box.mgit("commit", folder, "-m", "a folder", "--branch", "f")
        #expect(committed.status == 0, "\(committed.stderr)")
        let server = try ServeProcess(repository: box.repo)
        let page = try HTTPExchange.request(server.url + "commit?rev=f")
        #expect(page.status == 200, "\(page.body.prefix(300))")
        let files = try #require(page.body.range(of: "<h2>Files</h2>").map { String(page.body[$0.lowerBound...]) })
        #expect(files.contains("config.json") && files.contains("README.md"), "\(files.prefix(600))")
    }

    static func captures(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }
}

/// Where screenshots go when MGIT_SERVE_SCREENSHOTS names a folder (to refresh docs/).
struct TemporaryDirectoryPath { var path: String }

/// The escaping Chromium's serialiser writes for text: `&`, `<`, `>` (quotes stay as they are in text).
enum HTMLText {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func firstLine(_ s: String) -> String { String(s.split(separator: "\n").first ?? "") }
}
