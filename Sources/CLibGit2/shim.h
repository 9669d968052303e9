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
static inline int mgit_opts_enable_fsync(int on) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, on);
}
#endif
