#ifndef PROMPTC_CALSA_SHIM_H
#define PROMPTC_CALSA_SHIM_H
#include <alsa/asoundlib.h>

/* ALSA prints its own diagnostics to stderr ("ALSA lib conf.c: ... Unknown PCM"); promptc
   reports failures in one line of its own. The handler is variadic, which Swift cannot
   write, hence this C. */
static void promptc_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void promptc_alsa_silence(void) { snd_lib_error_set_handler(promptc_alsa_quiet); }
#endif
