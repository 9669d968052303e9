import Foundation

/// Whether a standard stream is a terminal: progress is drawn in place there and printed as lines elsewhere.
public enum TerminalDevice {
    /// Whether file descriptor `fd` (2 for stderr) is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
