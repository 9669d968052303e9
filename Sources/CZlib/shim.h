#ifndef MGIT_CZLIB_SHIM_H
#define MGIT_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro, which Swift cannot call.
static inline int mgit_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
/// deflateInit is a macro, which Swift cannot call.
static inline int mgit_deflate_init(z_stream *stream, int level) {
    return deflateInit(stream, level);
}
#endif
