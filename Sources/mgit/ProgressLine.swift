import Foundation
import ModelRepo

/// Progress on stderr: a line redrawn in place on a terminal, plain lines at most every few seconds otherwise,
/// nothing at all in `--json` mode.
final class ProgressLine {
    enum Mode { case terminal, lines, silent }
    let mode: Mode
    private var lastDraw = Date.distantPast
    private let interval: TimeInterval
    private var drawn = false

    init(silent: Bool) {
        if silent { mode = .silent } else { mode = TerminalDevice.isTerminal(2) ? .terminal : .lines }
        interval = mode == .terminal ? 0.1 : 5
    }

    /// Shows `text` if enough time has passed since the last update (always when `force`).
    func update(_ text: @autoclosure () -> String, force: Bool = false) {
        guard mode != .silent else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let line = text()
        if mode == .terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    /// Ends the progress display, leaving `text` (if any) as the final line.
    func finish(_ text: String? = nil) {
        guard mode != .silent else { return }
        if mode == .terminal && drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let text { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
    }

    /// `what [####....] done/total`, or `what: sweep N` when the total is unknown (0).
    func step(_ what: String, _ done: Int, _ total: Int) {
        update(total > 0 ? "\(what) \(Self.bar(Double(done) / Double(total))) \(done)/\(total)" : "\(what): sweep \(done)")
    }

    /// A bar of `width` cells filled to `fraction`.
    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let filled = max(0, min(width, Int((fraction * Double(width)).rounded())))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
