import Foundation

/// Debian's Chromium, headless: loads a page and returns the DOM after its scripts ran and every console
/// message it logged (`--enable-logging=stderr` prints them as `:CONSOLE` lines), or takes a screenshot.
struct HeadlessBrowser {
    let executable: String
    let profile: TemporaryDirectory

    /// The browser, or nil when Chromium is not installed (scripts/bootstrap installs it).
    init?() throws {
        guard let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        executable = path
        profile = try TemporaryDirectory()
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        try MgitProcess.run(executable, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                         "--no-first-run", "--enable-logging=stderr", "--v=0",
                                         "--user-data-dir=\(profile.path)"] + arguments, in: profile.path)
    }

    /// The serialised DOM of `url` after load, and the console messages the page logged.
    func dom(_ url: String) throws -> (dom: String, console: [String]) {
        let r = try run(["--dump-dom", url])
        return (r.stdout, Self.consoleLines(r.stderr))
    }

    /// A PNG of `url` at `width`×`height` CSS pixels, written to `path`; returns the console messages.
    func screenshot(_ url: String, to path: String, width: Int = 1400, height: Int = 900) throws -> [String] {
        let r = try run(["--screenshot=\(path)", "--window-size=\(width),\(height)", "--hide-scrollbars", url])
        return Self.consoleLines(r.stderr)
    }

    static func consoleLines(_ stderr: String) -> [String] {
        stderr.split(whereSeparator: \.isNewline).map(String.init).filter { $0.contains(":CONSOLE") }
    }
}
