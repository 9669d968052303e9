import Hummingbird
import Logging
import ModelRepo
import NIOCore
import NIOPosix

/// `mgit serve`: a read-only web view of one repository over HTTP (Hummingbird), until SIGINT or SIGTERM.
///
/// Routes (docs/SERVE.md): `/` graph, `/commit?rev=`, `/merges`, `/merge?op=|commit=`, `/plot/merge.svg?…`,
/// `/metrics?branch=&metric=`, `/diff?a=&b=`, `/api/NAME?…` JSON, `/assets/NAME`. Every page opens the
/// repository anew, on a thread pool so that slow git and SQLite work never blocks the event loops.
public struct RepositoryServer: Sendable {
    /// The repository's root folder.
    public var root: String
    /// The address to bind: 127.0.0.1 unless asked otherwise.
    public var host: String
    /// The port; 0 lets the kernel pick a free one (the URL given to `onReady` says which).
    public var port: Int

    public init(root: String, host: String = "127.0.0.1", port: Int = 8470) {
        self.root = root
        self.host = host
        self.port = port
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting, finishes the requests in flight and returns.
    ///
    /// - Parameter onReady: called once with the base URL (`http://127.0.0.1:8470/`) when the socket is listening.
    public func run(onReady: @escaping @Sendable (String) -> Void) async throws {
        let site = RepositorySite(root: root)
        let router = Router()
        router.add(middleware: RequestGuard(site: site))

        router.get("/") { _, _ in try await Self.html { try site.graphPage() } }
        router.get("/commit") { request, _ in
            let revision = try RequestParameters.revision(request.uri.queryParameters.get("rev"), name: "rev", default: "HEAD")
            return try await Self.html { try site.commitPage(revision: revision) }
        }
        router.get("/merges") { _, _ in try await Self.html { try site.mergesPage() } }
        router.get("/merge") { request, _ in
            let q = request.uri.queryParameters
            let op = q.get("op"), commit = q.get("commit")
            guard op != nil || commit != nil else { throw PageError(400, "say which merge: /merge?op=ID or /merge?commit=REV (the merges page lists them)") }
            return try await Self.html { try site.mergePage(operation: op, commit: commit) }
        }
        router.get("/plot/merge.svg") { request, _ in
            let q = request.uri.queryParameters
            let op = q.get("op"), commit = q.get("commit")
            guard op != nil || commit != nil else { throw PageError(400, "say which merge: ?op=ID or ?commit=REV") }
            let svg = try await Self.offload { try site.mergePlot(operation: op, commit: commit) }
            return Self.response(svg, contentType: "image/svg+xml")
        }
        router.get("/metrics") { request, _ in
            let q = request.uri.queryParameters
            let branch = q.get("branch"), metric = q.get("metric")
            return try await Self.html { try site.metricsPage(branch: branch, metric: metric) }
        }
        router.get("/diff") { request, _ in
            let q = request.uri.queryParameters
            let a = q.get("a"), b = q.get("b")
            return try await Self.html { try site.diffPage(a: a, b: b) }
        }
        router.get("/api/:name") { request, context in
            let name = try context.parameters.require("name")
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
            let parameters = query
            guard let body = try await Self.offload({ try site.api(name, { parameters[$0] }) }) else {
                throw PageError(404, "there is no /api/\(name.prefix(60)); docs/SERVE.md lists the documents")
            }
            return Self.response(body, contentType: "application/json; charset=utf-8")
        }
        router.get("/assets/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let asset = StaticAssets.asset(name) else { throw PageError(404, "there is no asset \(name.prefix(60))") }
            return Self.response(asset.body, contentType: asset.contentType)
        }

        var logger = Logger(label: "mgit-serve")
        logger.logLevel = .warning
        let host = self.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                onReady("http://\(shown):\(bound)/")
            },
            logger: logger)
        try await app.runService()
    }

    /// Runs blocking repository work on NIO's thread pool.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    static func html(_ page: @escaping @Sendable () throws -> String) async throws -> Response {
        response(try await offload(page), contentType: "text/html; charset=utf-8")
    }

    static func response(_ body: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
