#ifndef PROMPTC_CEBUR128_SHIM_H
#define PROMPTC_CEBUR128_SHIM_H
#include <stddef.h>
#include <ebur128.h>
#endif
