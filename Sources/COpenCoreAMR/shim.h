#ifndef PROMPTC_COPENCOREAMR_SHIM_H
#define PROMPTC_COPENCOREAMR_SHIM_H
#include <opencore-amrnb/interf_dec.h>
#endif
