#ifndef MGIT_CLIBGIT2_SHIM_H
#define MGIT_CLIBGIT2_SHIM_H
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

/// git_libgit2_opts is variadic, which Swift cannot call: one wrapper per option we use.
static inline int mgit_opts_set_int(int option, int value) { return git_libgit2_opts(option, value); }
static inline int mgit_opts_enable_strict_object_creation(int on) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, on);
}
static inline int mgit_opts_enable_strict_hash_verification(int on) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, on);
}
static inline int mgit_opts_enable_fsync(int on) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, on);
}
/// Caps how much of the pack files libgit2 keeps mapped, so reading large blobs keeps memory bounded.
static inline int mgit_opts_set_mwindow_limits(size_t window_size, size_t mapped_limit) {
    int rc = git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, window_size);
    if (rc < 0) return rc;
    return git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, mapped_limit);
}
#endif
