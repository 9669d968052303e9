import Foundation
import MgitInterop

/// Where mgit may write a file the user named (`export -o`, `train -o`, `--plot`): nothing, or a regular file.
///
/// mgit writes such files atomically, to a temporary file renamed over the target, so a reader never sees half a
/// checkpoint. A rename replaces whatever node is there: a FIFO or a device node (`-o /dev/null` as root would
/// turn the device into a regular file), or a symbolic link (`-o` a link to `/proc/self/fd/1`) would be
/// replaced, not written to. So anything at the target that is not a regular file is refused, before any
/// work, naming what it is (docs/SECURITY.md). Write to a regular path, or use `-o -`-free redirection.
public enum OutputTarget {
    /// Throws `.invalidInput` unless nothing exists at `path` or it is a regular file (a link is not followed).
    public static func requireRegularOrAbsent(_ path: String) throws {
        let kind: String
        switch FileAccess.kind(of: path) {
        case nil, .regular?: return   // nothing there (or an unreadable folder: the write will say)
        case .symbolicLink?: kind = "a symbolic link"
        case .directory?: kind = "a folder"
        case .fifo?: kind = "a FIFO (named pipe)"
        case .device?: kind = "a device node"
        case .socket?: kind = "a socket"
        case .other?: kind = "not a regular file"
        }
        throw MgitError(.invalidInput, "'\(path)' is \(kind); mgit writes only to a new or a regular file, which it "
                        + "replaces atomically. Name a regular file; nothing was written")
    }
}
