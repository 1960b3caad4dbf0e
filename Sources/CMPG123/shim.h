// libmpg123 renames its large-file API through macros (mpg123_open -> mpg123_open_64 ...),
// which Swift cannot import; these inline wrappers give Swift stable, callable names.
#ifndef PROMPTC_CMPG123_SHIM_H
#define PROMPTC_CMPG123_SHIM_H
#include <mpg123.h>
#include <sys/types.h>

static inline int promptc_mpg123_param(mpg123_handle *h, enum mpg123_parms type, long value, double fvalue) {
    return mpg123_param(h, type, value, fvalue);
}
static inline int promptc_mpg123_open_feed(mpg123_handle *h) { return mpg123_open_feed(h); }
static inline int promptc_mpg123_open_handle(mpg123_handle *h, void *iohandle) { return mpg123_open_handle(h, iohandle); }
static inline int promptc_mpg123_replace_reader_handle(mpg123_handle *h,
        mpg123_ssize_t (*r_read)(void *, void *, size_t),
        off_t (*r_lseek)(void *, off_t, int),
        void (*cleanup)(void *)) {
    return mpg123_replace_reader_handle(h, r_read, r_lseek, cleanup);
}
static inline off_t promptc_mpg123_length(mpg123_handle *h) { return mpg123_length(h); }
static inline off_t promptc_mpg123_tell(mpg123_handle *h) { return mpg123_tell(h); }
static inline int promptc_mpg123_decode_frame(mpg123_handle *h, off_t *num, unsigned char **audio, size_t *bytes) {
    return mpg123_decode_frame(h, num, audio, bytes);
}
static inline off_t promptc_mpg123_seek_frame(mpg123_handle *h, off_t frame, int whence) {
    return mpg123_seek_frame(h, frame, whence);
}
static inline off_t promptc_mpg123_seek(mpg123_handle *h, off_t sample, int whence) {
    return mpg123_seek(h, sample, whence);
}
static inline off_t promptc_mpg123_framelength(mpg123_handle *h) { return mpg123_framelength(h); }
static inline int promptc_mpg123_index(mpg123_handle *h, off_t **offsets, off_t *step, size_t *fill) {
    return mpg123_index(h, offsets, step, fill);
}
// libmpg123 copies the index; its prototype just lacks the const.
static inline int promptc_mpg123_set_index(mpg123_handle *h, const off_t *offsets, off_t step, size_t fill) {
    return mpg123_set_index(h, (off_t *)offsets, step, fill);
}
static inline int promptc_mpg123_scan(mpg123_handle *h) { return mpg123_scan(h); }
static inline int promptc_mpg123_info(mpg123_handle *h, struct mpg123_frameinfo2 *mi) { return mpg123_info2(h, mi); }
static inline long promptc_mpg123_state(mpg123_handle *h, enum mpg123_state key) {
    long val = -1;
    return mpg123_getstate(h, key, &val, NULL) == MPG123_OK ? val : -1;
}
static inline int promptc_mpg123_spf(mpg123_handle *h) { return mpg123_spf(h); }
static inline int promptc_mpg123_accurate(mpg123_handle *h) {
    long val = 0;
    return mpg123_getstate(h, MPG123_ACCURATE, &val, NULL) == MPG123_OK && val != 0;
}
#endif
