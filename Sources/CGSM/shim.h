#ifndef PROMPTC_CGSM_SHIM_H
#define PROMPTC_CGSM_SHIM_H
#include <gsm/gsm.h>
#endif
