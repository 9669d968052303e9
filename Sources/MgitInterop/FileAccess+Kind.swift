import Foundation

extension FileAccess {
    /// What a path names, as `lstat` (or `stat`, following links) sees it.
    package enum NodeKind: Equatable, Sendable {
        case regular, directory, symbolicLink, fifo, device, socket, other
    }

    /// The kind of node at `path`, or nil when nothing is there (with `followLinks`, a dangling link is nil).
    package static func kind(of path: String, followLinks: Bool = false) -> NodeKind? {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .fifo
        case S_IFCHR, S_IFBLK: return .device
        case S_IFSOCK: return .socket
        default: return .other
        }
    }
}
