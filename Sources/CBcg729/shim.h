#ifndef PROMPTC_CBCG729_SHIM_H
#define PROMPTC_CBCG729_SHIM_H
#include <bcg729/encoder.h>
#include <bcg729/decoder.h>
#endif
