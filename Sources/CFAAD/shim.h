#ifndef PROMPTC_CFAAD_SHIM_H
#define PROMPTC_CFAAD_SHIM_H
#include <neaacdec.h>
#endif
