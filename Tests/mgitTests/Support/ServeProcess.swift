import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running `mgit serve --port 0` on a repository: started by the test, its URL read from its first line,
/// stopped by a signal (and killed if the test ends first).
final class ServeProcess {
    let process: Process
    /// `http://127.0.0.1:PORT/`.
    let url: String
    private let output: Pipe
    private let errors: Pipe

    init(repository: String, extra: [String] = []) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: MgitProcess.binary)
        process.arguments = ["serve", "--port", "0"] + extra
        process.currentDirectoryURL = URL(fileURLWithPath: repository)
        output = Pipe()
        errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens: "Serving PATH at URL (read-only; Ctrl-C stops)".
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { usleep(10_000) } else { line.append(chunk) }
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let at = text.range(of: " at http://"), let end = text.range(of: " (read-only") else {
            let err = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw DaemonError("mgit serve did not start: stdout \(text.debugDescription), stderr \(err.debugDescription)")
        }
        url = String(text[text.index(at.lowerBound, offsetBy: 4)..<end.lowerBound])
    }

    /// Sends `signal`, waits for the exit (at most 10 s) and returns the status and what it printed after starting.
    func stop(_ signal: Int32) -> (status: Int32, stdout: String, stderr: String) {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return (-1, "", "did not stop within 10 s of signal \(signal)")
        }
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, out, err)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// One HTTP exchange through curl (a real client, with `--path-as-is` so `..` reaches the server unchanged).
struct HTTPExchange {
    var status: Int
    var headers: String
    var body: String

    static func request(_ url: String, method: String = "GET", extra: [String] = []) throws -> HTTPExchange {
        let dir = try TemporaryDirectory()
        let r = try MgitProcess.run("/usr/bin/curl", ["-s", "--path-as-is", "-X", method, "-D", dir.file("headers"),
                                                     "-o", dir.file("body"), "-w", "%{http_code}", "--max-time", "30"] + extra + [url],
                                    in: dir.path)
        let headers = (try? String(contentsOfFile: dir.file("headers"), encoding: .utf8)) ?? ""
        let body = (try? String(contentsOfFile: dir.file("body"), encoding: .utf8)) ?? ""
        return HTTPExchange(status: Int(r.stdout) ?? 0, headers: headers, body: body)
    }

    /// The value of header `name` (case-insensitive), or nil.
    func header(_ name: String) -> String? {
        for line in headers.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body.utf8)) }
}
