import Hummingbird

/// Runs before every route and the not-found answer: refuses what a read-only local view never needs, turns any
/// error into a page (HTML, or JSON under `/api/`), and adds the headers that keep a hostile repository's
/// strings inert in the browser.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    /// The longest request target accepted; the HTTP parser itself stops at 80 KiB of headers.
    static var maxTargetLength: Int { 8 * 1024 }

    /// Scripts, styles and images only from this server; no frames, forms post nowhere else, no plugins.
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    let site: RepositorySite

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isAPI = path.hasPrefix("/api/")
        var response: Response
        do {
            guard request.method == .get else {
                throw PageError(405, "\(request.method.rawValue) is not allowed: mgit serve is read-only and answers GET only")
            }
            guard request.uri.string.utf8.count <= Self.maxTargetLength else {
                throw PageError(414, "the request target is \(request.uri.string.utf8.count) bytes long; at most \(Self.maxTargetLength) are accepted")
            }
            // Nothing under any path is a file, but say plainly that `..` is never a way anywhere.
            if path.contains("..") || path.contains("\\") || path.lowercased().contains("%2e") || path.contains("%2f") || path.contains("%2F") {
                throw PageError(400, "paths with '..', '\\' or encoded dots and slashes are refused; mgit serve serves no files")
            }
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = render(PageError(404, "there is no page at \(String(path.prefix(200))); start at the commit graph"), api: isAPI)
        } catch {
            response = render(PageError.from(error), api: isAPI)
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        // Live: every reload reads the repository again.
        response.headers[.cacheControl] = "no-store"
        if response.status == .methodNotAllowed { response.headers[.allow] = "GET" }
        return response
    }

    private func render(_ error: PageError, api: Bool) -> Response {
        let status = HTTPResponse.Status(code: error.status, reasonPhrase: error.reason)
        if api {
            let body = (try? RepositorySite.json(["error": error.message, "status": String(error.status)])) ?? "{}\n"
            return RepositoryServer.response(body, status: status, contentType: "application/json; charset=utf-8")
        }
        return RepositoryServer.response(site.errorPage(error), status: status, contentType: "text/html; charset=utf-8")
    }
}
