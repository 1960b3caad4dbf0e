#ifndef PROMPTC_CSPEEXDSP_SHIM_H
#define PROMPTC_CSPEEXDSP_SHIM_H
#include <speex/speex_preprocess.h>
#endif
